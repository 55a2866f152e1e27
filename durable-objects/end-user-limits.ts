/**
 * The limit state of an account's end users (END_USER_REQUEST_SHARE, END_USER_TOKEN_SHARE), keyed by
 * the keyed hash of the end-user id the app sent: the id itself never reaches the object. Bounded:
 * an end user whose limits are whole again is the same as one never seen and is dropped first, then
 * the least recently seen one (whose unspent debt is forgiven; the account's own limits still hold).
 */
import type { Tats } from "../core/admission";
import type { Hash } from "./protocol";

export const MAX_END_USERS = 2048;

/** Stored as rows of [id, requests tat, tokens tat]. */
export type SavedEndUsers = [string, number, number][];

export function isSavedEndUsers(v: unknown): v is SavedEndUsers {
  return Array.isArray(v) && v.every((r) => Array.isArray(r) && r.length === 3 && typeof r[0] === "string" && typeof r[1] === "number" && typeof r[2] === "number");
}

export function endUserKey(h: Hash): string {
  return (h[0] >>> 0).toString(16).padStart(8, "0") + (h[1] >>> 0).toString(16).padStart(8, "0");
}

export class EndUserLimits {
  private tats = new Map<string, Tats>();
  private dirty = false;

  constructor(private readonly capacity = MAX_END_USERS) {}

  load(saved: SavedEndUsers | null): void {
    this.tats = new Map((saved ?? []).map(([id, requests, tokens]) => [id, { requests, tokens }]));
  }

  save(): SavedEndUsers {
    return [...this.tats].map(([id, t]) => [id, t.requests, t.tokens]);
  }

  takeDirty(): boolean {
    const d = this.dirty;
    this.dirty = false;
    return d;
  }

  get size(): number {
    return this.tats.size;
  }

  get(id: string): Tats {
    return this.tats.get(id) ?? { requests: 0, tokens: 0 };
  }

  /** Stores `t` for `id` as its most recent entry, dropping entries past the capacity. */
  set(id: string, t: Tats, now: number): void {
    this.tats.delete(id);
    this.tats.set(id, t);
    this.dirty = true;
    if (this.tats.size <= this.capacity) return;
    for (const [k, v] of this.tats) {
      if (v.requests <= now && v.tokens <= now) this.tats.delete(k);
    }
    while (this.tats.size > this.capacity) this.tats.delete(this.tats.keys().next().value!);
  }
}
