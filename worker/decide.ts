/**
 * Asks the subjects' Durable Objects for their verdicts (one RPC each, in parallel, bounded by
 * STATE_TIMEOUT_MS) and combines them into the request's decision. A failed or slow object is
 * decided by FAIL_MODE and logged; it never becomes a 5xx.
 */
import type { Config } from "../core/config";
import { severity } from "../core/verdict";
import { fingerprintShardName, shardOf, type AccountObservation, type Decision, type FingerprintObservation } from "../durable-objects/protocol";
import type { FingerprintVerdict } from "../durable-objects/fingerprint-guard";
import type { Subjects } from "./observation";

export class StateUnavailable extends Error {
  override name = "StateUnavailable";
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StateUnavailable(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export { shardOf };

export type { Subjects };

export interface Outcome {
  decision: Decision;
  /** A fingerprint verdict the account should adopt, recorded after the answer. */
  adopt?: { verdict: FingerprintVerdict; via: string };
  /** True when a Durable Object failed and FAIL_MODE decided. */
  failed: boolean;
}

export async function decide(env: Env, cfg: Config, obs: AccountObservation, subjects: Subjects, failMode: Config["FAIL_MODE"]): Promise<Outcome> {
  const account = withTimeout(env.ACCOUNT_GUARD.getByName(subjects.accountId).observe(obs), cfg.STATE_TIMEOUT_MS, "account state");
  const prompt = obs.prompt;
  const fps = prompt
    ? subjects.fingerprints.map((fp) => {
        const shard = shardOf(subjects.accountHash, cfg.FP_SHARDS);
        const fobs: FingerprintObservation = { now: obs.now, fingerprint: fp.id, shard, account: subjects.accountHash, pair: subjects.pairHash, prompt, accountId: subjects.accountId, idempotency: obs.idempotency };
        return withTimeout(env.FINGERPRINT_GUARD.getByName(fingerprintShardName(fp.id, shard)).observe(fobs), cfg.STATE_TIMEOUT_MS, "fingerprint state");
      })
    : [];
  const [acc, ...fpResults] = await Promise.allSettled([account, ...fps]);

  const failures = [acc, ...fpResults].filter((r) => r.status === "rejected");
  for (const f of failures) console.error(JSON.stringify({ event: "state_unavailable", failMode, error: String((f as PromiseRejectedResult).reason) }));

  if (acc.status === "rejected") {
    const decision: Decision =
      failMode === "open"
        ? { action: "allow", cause: "error", reasons: ["state unavailable: failing open"], until: null, retryAfterMs: 0, limits: [] }
        : { action: "throttle", cause: "error", reasons: ["state unavailable: failing closed"], until: null, retryAfterMs: 1000, limits: [] };
    return { decision, failed: true };
  }
  let decision = acc.value;
  let adopt: Outcome["adopt"];
  fpResults.forEach((r, i) => {
    if (r.status !== "fulfilled" || r.value.action === "allow") return;
    // The account's own override outranks anything a fingerprint says; an earlier fingerprint's deny is final.
    if (decision.override || decision.cause === "override") return;
    const v = r.value;
    const fp = subjects.fingerprints[i];
    if (v.cause === "override") {
      decision = { ...decision, action: v.action, cause: "override", reasons: v.reasons, until: v.until, retryAfterMs: v.until === null ? 0 : v.until - obs.now, override: "deny", shadow: undefined };
      adopt = undefined;
      return;
    }
    if (cfg.GUARD_MODE === "shadow") {
      if (!decision.shadow || severity(v.action) > severity(decision.shadow.action)) decision = { ...decision, shadow: { action: v.action, reasons: v.reasons } };
      return;
    }
    // A fingerprint's extraction verdict outranks a plain rate throttle and a milder account verdict.
    const current = decision.cause === "extraction" ? severity(decision.action) : 0;
    if (severity(v.action) <= current) return;
    decision = { ...decision, action: v.action, cause: "extraction", reasons: v.reasons, until: v.until, retryAfterMs: v.until === null ? 0 : v.until - obs.now };
    adopt = { verdict: v, via: fp.id };
  });
  return { decision, adopt, failed: failures.length > 0 };
}
