/**
 * Classic limits as GCRA (the generic cell rate algorithm): one number of state per limit, the
 * theoretical arrival time, and exact answers for the IETF RateLimit fields.
 * A limit allows `quota` units per `periodMs`, in a burst of up to the whole quota.
 */

export interface Limit {
  /** Name used in the RateLimit-Policy header. */
  name: string;
  quota: number;
  periodMs: number;
}

export interface LimitResult {
  allowed: boolean;
  /** Units left in the current period after this request (0 when refused). */
  remaining: number;
  /** Milliseconds until the quota is whole again. */
  resetMs: number;
  /** Milliseconds until the refused request would pass; 0 when allowed. */
  retryAfterMs: number;
  /** New theoretical arrival time to store (unchanged when refused). */
  tat: number;
}

/**
 * Charges `cost` units at `now` against a limit whose stored theoretical arrival time is `tat`.
 * A cost larger than the quota can never pass; it is refused with retry after a full period.
 */
export function gcra(limit: Limit, tat: number, now: number, cost = 1): LimitResult {
  const interval = limit.periodMs / limit.quota;
  const base = Math.max(tat, now);
  const next = base + cost * interval;
  const allowAt = next - limit.periodMs;
  if (cost > limit.quota || allowAt > now) {
    const retryAfterMs = cost > limit.quota ? limit.periodMs : Math.ceil(allowAt - now);
    return { allowed: false, remaining: 0, resetMs: Math.ceil(base - now), retryAfterMs, tat };
  }
  const remaining = Math.max(0, Math.floor((limit.periodMs - (next - now)) / interval));
  return { allowed: true, remaining, resetMs: Math.ceil(next - now), retryAfterMs: 0, tat: next };
}

/** Units that would be available at `now` without charging anything. */
export function peek(limit: Limit, tat: number, now: number): number {
  const interval = limit.periodMs / limit.quota;
  return Math.max(0, Math.min(limit.quota, Math.floor((limit.periodMs - Math.max(0, tat - now)) / interval)));
}

/**
 * Charges `cost` units already spent (an answer's completion tokens, known only once it has passed):
 * never refused, so the limit can run into debt that later requests wait out. The debt is capped at
 * `maxDebtMs` past a spent quota, so one answer far larger than the quota shuts the limit for at most
 * that long after a full period. Returns the new theoretical arrival time; it never moves back.
 */
export function charge(limit: Limit, tat: number, now: number, cost: number, maxDebtMs = limit.periodMs): number {
  const interval = limit.periodMs / limit.quota;
  const next = Math.max(tat, now) + Math.max(0, cost) * interval;
  return Math.max(tat, Math.min(next, now + limit.periodMs + maxDebtMs));
}
