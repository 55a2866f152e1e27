/**
 * What the dashboard needs to draw thresholds and label the mode: the guard's mode, its clock and the
 * policy's thresholds. Thresholds are shown to operators only, never to clients.
 */
import type { GuardContext } from "./context";
import { TOPIC_BUCKETS } from "../core/features";
import { POLICY_SPEC, policyField, type PolicyKey } from "../core/config";
import { signalGuide } from "../core/signal-guide";

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
    // Every field of the detection policy in force, under its DETECTION_POLICY name.
    thresholds: { ...Object.fromEntries((Object.keys(POLICY_SPEC) as PolicyKey[]).map((k) => [policyField(k), c[k]])), topicBuckets: TOPIC_BUCKETS },
    shadowSignals: [...c.SHADOW_SIGNAL_SET],
    // Labels and thresholds of the figures behind verdicts, so the dashboard never shows a bare internal name.
    signalGuide: { account: signalGuide(c, "account"), fingerprint: signalGuide(c, "fingerprint") },
  };
}
