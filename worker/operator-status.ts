/**
 * What the dashboard needs to draw thresholds and label the mode: the guard's mode, its clock and the
 * policy's thresholds. Thresholds are shown to operators only, never to clients.
 */
import type { GuardContext } from "./context";
import { TOPIC_BUCKETS } from "../core/features";

export function status(gc: GuardContext, now: number) {
  const c = gc.cfg;
  return {
    mode: c.GUARD_MODE,
    testMode: c.GUARD_TEST_MODE,
    now,
    auditRetentionDays: c.AUDIT_RETENTION_DAYS,
    fingerprintShards: c.FP_SHARDS,
    windows: { accountS: c.DETECTION_WINDOW_S, fingerprintS: c.FINGERPRINT_WINDOW_S },
    limits: { requests: c.RATE_LIMIT_REQUESTS, requestPeriodS: c.RATE_LIMIT_PERIOD_S, tokens: c.TOKEN_LIMIT, tokenPeriodS: c.TOKEN_LIMIT_PERIOD_S },
    thresholds: {
      minRequests: c.MIN_REQUESTS,
      noveltyRatio: c.NOVELTY_RATIO,
      distinctPromptBudget: c.DISTINCT_PROMPT_BUDGET,
      templateReuse: c.TEMPLATE_REUSE,
      novelSingles: c.NOVEL_SINGLES,
      shingleNovelty: c.SHINGLE_NOVELTY,
      topicBuckets: TOPIC_BUCKETS,
      singleShotRatio: c.SINGLE_SHOT_RATIO,
      fpMinAccounts: c.FP_MIN_ACCOUNTS,
      throttleScore: c.THROTTLE_SCORE,
      blockScore: c.BLOCK_SCORE,
    },
  };
}
