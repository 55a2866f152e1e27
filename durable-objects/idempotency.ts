/**
 * Retries that carry an `Idempotency-Key`: the account object remembers the last few
 * idempotent requests it decided, so a retry within IDEMPOTENCY_TTL_MS is the same request, not a
 * new one. It is not counted again (requests, sketches, limits) and gets the same decision while
 * that decision holds. When the first attempt was refused and its Retry-After has passed, the retry
 * is decided afresh (it may pass now) but still not counted again. Fingerprint shards keep a ledger
 * of their own, only to skip counting a retry.
 *
 * The id is a keyed hash of (account, method, path, key, body), made by the Worker: the same key with
 * another body is another request, so one key cannot launder a stream of different prompts. A key
 * is honoured for at most IDEMPOTENCY_MAX_REPLAYS retries (SDKs retry twice by default); after that
 * the request counts again, so a key cannot make repeats of one request free either.
 *
 * Bounded: IDEMPOTENCY_MAX entries per account, oldest dropped first; persisted with the account's
 * other state on the flush, so a retry after a restart is still recognised.
 */
import type { Decision } from "./protocol";

export const IDEMPOTENCY_TTL_MS = 5 * 60_000;
export const IDEMPOTENCY_MAX = 128;
export const IDEMPOTENCY_MAX_REPLAYS = 2;

export interface IdempotentEntry {
  id: string;
  /** when the first attempt was decided */
  at: number;
  replays: number;
  decision: Decision;
}

/** What to do with a request that carries an idempotency id. */
export type Replay =
  /** a retry of a decision that still holds: answer it again, count nothing */
  | { kind: "answer"; decision: Decision }
  /** a retry of a refusal that has lapsed: decide again, count nothing */
  | { kind: "retry" }
  /** not a retry (or no longer honoured): a new request */
  | null;

export class IdempotencyLedger {
  private entries = new Map<string, IdempotentEntry>();
  private dirty = false;

  load(saved: IdempotentEntry[] | null): void {
    this.entries = new Map((Array.isArray(saved) ? saved.slice(-IDEMPOTENCY_MAX) : []).map((e) => [e.id, e]));
  }

  save(): IdempotentEntry[] {
    return [...this.entries.values()];
  }

  /** True once after a change, for the flush. */
  takeDirty(): boolean {
    const d = this.dirty;
    this.dirty = false;
    return d;
  }

  /** Classifies a request with idempotency id `id` at `now`, counting the replay when it is one. */
  check(id: string, now: number): Replay {
    const e = this.entries.get(id);
    if (!e || now - e.at > IDEMPOTENCY_TTL_MS || now < e.at || e.replays >= IDEMPOTENCY_MAX_REPLAYS) return null;
    e.replays++;
    this.dirty = true;
    const d = e.decision;
    const holds = d.action === "allow" || (d.action === "block" && d.until === null) || now < e.at + d.retryAfterMs;
    if (!holds) return { kind: "retry" };
    const retryAfterMs = d.action === "allow" ? 0 : Math.max(0, e.at + d.retryAfterMs - now);
    return { kind: "answer", decision: { ...d, retryAfterMs } };
  }

  /**
   * Records the decision of a request with idempotency id `id`: a new request starts a fresh entry;
   * a retry decided afresh (`retried`) keeps its entry's replay count.
   */
  remember(id: string, now: number, decision: Decision, retried: boolean): void {
    const e = this.entries.get(id);
    if (e && retried) {
      e.decision = decision;
      e.at = now;
    } else {
      this.entries.delete(id);
      this.entries.set(id, { id, at: now, replays: 0, decision });
      if (this.entries.size > IDEMPOTENCY_MAX) this.entries.delete(this.entries.keys().next().value as string);
    }
    this.dirty = true;
  }
}
