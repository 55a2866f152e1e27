/**
 * Timing evidence of a campaign: accounts that appeared together (a cohort of keys created for one
 * job) and stopped together. Reported beside the links, never a link by itself (core/campaigns/group.ts).
 */
export interface Cohort {
  /** The most members whose times fall within `withinMs` of each other, and that span. */
  accounts: number;
  withinMs: number;
  from: number | null;
  to: number | null;
}

export interface TimingEvidence {
  members: number;
  /** Spread of the members' first and last sight, ms. */
  firstSeenSpreadMs: number | null;
  lastSeenSpreadMs: number | null;
  firstSeenCohort: Cohort;
  lastSeenCohort: Cohort;
}

export const COHORT_MS = 3600_000;

/** Sliding window over sorted times: the largest set within `withinMs`. */
export function largestCohort(times: number[], withinMs = COHORT_MS): Cohort {
  const t = [...times].sort((a, b) => a - b);
  let best: Cohort = { accounts: 0, withinMs, from: null, to: null };
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! > withinMs) lo++;
    if (hi - lo + 1 > best.accounts) best = { accounts: hi - lo + 1, withinMs, from: t[lo]!, to: t[hi]! };
  }
  return best;
}

const spread = (t: number[]) => (t.length ? Math.max(...t) - Math.min(...t) : null);

export function timingEvidence(members: { firstSeen: number | null; lastSeen: number | null }[], withinMs = COHORT_MS): TimingEvidence {
  const firsts = members.map((m) => m.firstSeen).filter((t): t is number => t !== null);
  const lasts = members.map((m) => m.lastSeen).filter((t): t is number => t !== null);
  return {
    members: members.length,
    firstSeenSpreadMs: spread(firsts),
    lastSeenSpreadMs: spread(lasts),
    firstSeenCohort: largestCohort(firsts, withinMs),
    lastSeenCohort: largestCohort(lasts, withinMs),
  };
}
