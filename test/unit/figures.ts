/** Window figures for the policy's unit tests: a baseline of fresh, novel, single-shot prompts, no evidence. */
import type { AccountFigures, CoverageFigures, FingerprintFigures } from "../../core/policy";

const TOPIC_BUCKETS = 1024;

/** `n` fresh, novel, single-shot prompts and nothing else: the shape a person's questions have. */
export function coverage(n: number): CoverageFigures {
  return {
    requests: n,
    fresh: n,
    distinctPrompts: n,
    distinctTemplates: n,
    singleShot: n,
    unverified: 0,
    withHistory: 0,
    harvest: 0,
    elicit: 0,
    task: 0,
    topics: Math.round(n * 0.95),
    topicBuckets: TOPIC_BUCKETS,
  };
}

export function accountFigures(n: number, over: Partial<AccountFigures> = {}): AccountFigures {
  return { ...coverage(n), fast: 0, taskTurns: 0, staleRepeats: 0, distinctStaleRepeats: 0, longOutput: 0, shingles: 100, shingleSamples: 100, networks: 1, endUsers: 0, ...over };
}

/** `n` requests from `accounts` accounts through one client. */
export function fingerprintFigures(n: number, accounts: number, over: Partial<FingerprintFigures> = {}): FingerprintFigures {
  return {
    ...coverage(n),
    accounts,
    recentAccounts: accounts,
    accountPrompts: n,
    networkBound: false,
    accountsWith: { harvest: accounts, elicit: accounts, task: accounts, unverified: accounts },
    ...over,
  };
}
