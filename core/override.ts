/**
 * Operator overrides of one subject (an account, or a fingerprint on each of its shards): an allow,
 * deny or shadow list entry, larger classic limits or distinct-prompt budget, and the grace that
 * follows a lift. The subject's own object keeps this record, so applying it costs no extra round trip.
 */
import type { Config } from "./config";

export type ListEntry = "allow" | "deny" | "shadow";

export interface LimitOverrides {
  /** Requests per RATE_LIMIT_PERIOD_S. */
  requests?: number;
  /** Prompt tokens per TOKEN_LIMIT_PERIOD_S. */
  tokens?: number;
  /** Distinct prompts per detection window before the budget signal fires. */
  distinctPrompts?: number;
}

export interface Override {
  /**
   * allow: never refused for extraction; deny: always answered 403; shadow: judged and recorded as
   * usual, but its extraction verdicts are not enforced (a watched campaign is not tipped off).
   */
  list: ListEntry | null;
  limits: LimitOverrides;
  reason: string;
  /** ms since the Unix epoch; null: until an operator clears it. */
  until: number | null;
  setAt: number;
}

export interface OverrideRecord {
  override: Override | null;
  /** After a lift, no extraction verdict is given before this time (ms). */
  graceUntil: number | null;
}

export const EMPTY_OVERRIDE: OverrideRecord = { override: null, graceUntil: null };

export function activeOverride(r: OverrideRecord, now: number): Override | null {
  const o = r.override;
  return o && (o.until === null || o.until > now) ? o : null;
}

/** The deny entry in force at `now`, if any. */
export function denied(r: OverrideRecord, now: number): Override | null {
  const o = activeOverride(r, now);
  return o?.list === "deny" ? o : null;
}

/** Under watch: extraction verdicts are reached and recorded but only marked, as in shadow mode. */
export function shadowed(r: OverrideRecord, now: number): boolean {
  return activeOverride(r, now)?.list === "shadow";
}

/** What a lift leaves of an override: a shadow entry ends with it (the watch is over), the rest stays. */
export function afterLift(o: Override | null): Override | null {
  if (o?.list !== "shadow") return o;
  return Object.keys(o.limits).length > 0 ? { ...o, list: null } : null;
}

/** Exempt from extraction verdicts: allow-listed, or within the grace after a lift. */
export function exempt(r: OverrideRecord, now: number): boolean {
  return activeOverride(r, now)?.list === "allow" || (r.graceUntil !== null && r.graceUntil > now);
}

/** A classic limit's quota with the override applied. */
export function quota(r: OverrideRecord, now: number, name: "requests" | "tokens", fallback: number): number {
  return activeOverride(r, now)?.limits[name] ?? fallback;
}

/** The policy config with the subject's distinct-prompt budget applied. */
export function policyFor<T extends Pick<Config, "DISTINCT_PROMPT_BUDGET">>(r: OverrideRecord, now: number, cfg: T): T {
  const budget = activeOverride(r, now)?.limits.distinctPrompts;
  return budget === undefined ? cfg : { ...cfg, DISTINCT_PROMPT_BUDGET: budget };
}

/** How a deny entry answers: a block caused by the override, with Retry-After when it expires. */
export function denyDecision(o: Override, now: number) {
  return {
    action: "block" as const,
    cause: "override" as const,
    reasons: [`deny-listed by an operator: ${o.reason}`],
    until: o.until,
    retryAfterMs: o.until === null ? 0 : Math.max(0, o.until - now),
  };
}
