/**
 * Asks the subjects' Durable Objects for their verdicts (one RPC each, in parallel, bounded by
 * STATE_TIMEOUT_MS) and combines them into the request's decision. A failed or slow object is
 * decided by FAIL_MODE and logged; it never becomes a 5xx.
 */
import type { Config } from "../core/config";
import { decide as decideRequest, type Vote } from "../core/decision";
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
        const fobs: FingerprintObservation = { now: obs.now, account: subjects.accountHash, pair: subjects.pairHash, prompt, accountId: subjects.accountId, idempotency: obs.idempotency };
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
  // Fingerprints that failed are skipped: the account decides (core/decision.ts has the precedence).
  const answered = fpResults.flatMap((r, i) => (r.status === "fulfilled" ? [{ verdict: r.value, via: subjects.fingerprints[i].id }] : []));
  const votes = answered.map(({ verdict: v, via }): Vote => (v.cause === "override" ? { kind: "deny", reasons: v.reasons, until: v.until } : { kind: "verdict", action: v.action, reasons: v.reasons, until: v.until, via }));
  const { decision, adopt: via } = decideRequest(acc.value, votes, obs.now, cfg.GUARD_MODE === "shadow");
  const adopted = answered.find((a) => a.via === via);
  const adopt = adopted ? { verdict: adopted.verdict, via: adopted.via } : undefined;
  return { decision, adopt, failed: failures.length > 0 };
}
