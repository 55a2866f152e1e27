/**
 * How a request's answer follows from what its subjects say: the one place that orders operator
 * overrides, shadow mode, extraction verdicts and rate limits. The account object folds its own
 * votes into a decision; the Worker then folds in the fingerprints' answers, which arrive in
 * parallel, with the same function. Precedence, highest first:
 *
 * 1. An override decision is final: the account's deny entry, the account's allow entry (or the
 *    grace after a lift), and then the first fingerprint's deny entry. Nothing after one changes it.
 *    A deny entry blocks in shadow mode too: it is an operator's decision, not a verdict.
 * 2. The account's allow entry lets its rate limits stand; it only stops extraction refusals.
 * 3. Extraction verdicts: in shadow mode, under the account's shadow entry, or from a fingerprint
 *    under its own, they only fill `shadow` (the most severe one, the first of equals); otherwise the most severe one answers (the first of equals), and it outranks a
 *    rate throttle. A fingerprint's verdict that answers is one the account should adopt.
 * 4. A rate limit throttles.
 * 5. Otherwise the request is allowed.
 */
import type { LimitKind } from "./admission";
import type { PromptClass } from "./signals/classify";
import type { Action, Cause } from "./policy";
import { severity } from "./verdict";

export interface LimitState {
  name: string;
  quota: number;
  windowS: number;
  remaining: number;
  resetS: number;
}

export interface Decision {
  action: Action;
  cause: Cause;
  /** Why; shown to operators, never to the client. */
  reasons: string[];
  /** When an extraction throttle or block ends (ms); null: no expiry or not applicable. */
  until: number | null;
  /** For throttles: when the request would pass (ms from now). */
  retryAfterMs: number;
  limits: LimitState[];
  /** In shadow mode, the extraction verdict that enforcement would have given. */
  shadow?: { action: Action; reasons: string[] };
  /**
   * An operator override decided this: deny (cause "override"), allow (no extraction refusal), or
   * shadow (the account is watched: extraction verdicts only fill `shadow`).
   */
  override?: "allow" | "deny" | "shadow";
  /** What the account's object found the request to be; the fingerprints count it the same way. */
  seen?: PromptClass;
  /** Served, but the subject is suspect: the graduated answer applies (core/graduated.ts). */
  suspect?: boolean;
  /** Inspected requests the account has sent: how new it is, for the frame signal (core/signals/frames.ts). */
  requests?: number;
}

/** One subject's say on a request, in the order the subjects are consulted. */
export type Vote =
  /** A classic limit refused the request. */
  | { kind: "rate"; which: LimitKind; retryAfterMs: number }
  /** An operator's deny entry in force. */
  | { kind: "deny"; reasons: string[]; until: number | null }
  /** Allow-listed, or within the grace after a lift: no extraction refusal from anyone after this. */
  | { kind: "exempt" }
  /** The account's shadow entry: every extraction verdict after this is only marked, never enforced. */
  | { kind: "shadow" }
  /**
   * An extraction verdict; `via` names the fingerprint that gave it, for the account to adopt;
   * `shadow`: that fingerprint is under a shadow entry, so its verdict is only marked.
   */
  | { kind: "verdict"; action: Action; reasons: string[]; until: number | null; via?: string; shadow?: boolean };

export interface Decided {
  decision: Decision;
  /** The fingerprint whose extraction verdict answered, when one did. */
  adopt: string | null;
}

/** The answer before any vote: allowed, with the account's limits. */
export function allowed(limits: LimitState[]): Decision {
  return { action: "allow", cause: "none", reasons: [], until: null, retryAfterMs: 0, limits };
}

function retryAfter(until: number | null, now: number): number {
  return until === null ? 0 : Math.max(0, until - now);
}

/** Folds `votes` into `start` by the precedence above. */
export function decide(start: Decision, votes: readonly Vote[], now: number, shadowMode: boolean): Decided {
  let d = start;
  let adopt: string | null = null;
  for (const v of votes) {
    if (d.override === "allow" || d.override === "deny" || d.cause === "override") break;
    if (v.kind === "rate") {
      if (d.action === "allow") d = { ...d, action: "throttle", cause: "rate", reasons: [`${v.which} rate limit`], retryAfterMs: v.retryAfterMs };
    } else if (v.kind === "deny") {
      const { shadow: _dropped, ...rest } = d;
      d = { ...rest, action: "block", cause: "override", reasons: v.reasons, until: v.until, retryAfterMs: retryAfter(v.until, now), override: "deny" };
      adopt = null;
    } else if (v.kind === "exempt") {
      d = { ...d, override: "allow" };
    } else if (v.kind === "shadow") {
      d = { ...d, override: "shadow" };
    } else if (v.action !== "allow") {
      if (shadowMode || v.shadow || d.override === "shadow") {
        if (!d.shadow || severity(v.action) > severity(d.shadow.action)) d = { ...d, shadow: { action: v.action, reasons: v.reasons } };
        continue;
      }
      const current = d.cause === "extraction" ? severity(d.action) : 0;
      if (severity(v.action) <= current) continue;
      d = { ...d, action: v.action, cause: "extraction", reasons: v.reasons, until: v.until, retryAfterMs: retryAfter(v.until, now) };
      adopt = v.via ?? null;
    }
  }
  return { decision: d, adopt };
}
