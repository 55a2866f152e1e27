/**
 * Asks the subjects' Durable Objects for their verdicts (one RPC each, in parallel, bounded by
 * STATE_TIMEOUT_MS) and combines them into the request's decision. A failed or slow object is
 * decided by FAIL_MODE and logged; it never becomes a 5xx.
 */
import type { Config } from "../core/config";
import { decide as decideRequest, type Vote } from "../core/decision";
import { fingerprintShardName, frameObjectName, shardOf, type AccountObservation, type Decision, type FingerprintObservation } from "../durable-objects/protocol";
import { frameEligible, isNewAccount } from "../core/signals/frames";
import type { FingerprintVerdict } from "../durable-objects/fingerprint-guard";
import type { FrameGuard } from "../durable-objects/frame-guard";
import type { Subjects } from "./observation";
import type { VerdictCache } from "./verdict-cache";

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

/**
 * One Durable Object round trip on the response path: the account's object, and in parallel only
 * the fingerprints and the instruction frame this isolate holds no fresh verdict for
 * (worker/verdict-cache.ts). The request's observation reaches its fingerprints after the answer
 * (`ctx.waitUntil`), classified as the account found it (fresh or a repeat, history verified or
 * not), and their replies refresh the cache. A frame's object hears only of single-shot requests
 * of new accounts, and its verdict answers only for those (core/signals/frames.ts).
 */
export async function decide(env: Env, ctx: ExecutionContext, cfg: Config, cache: VerdictCache, obs: AccountObservation, subjects: Subjects, failMode: Config["FAIL_MODE"]): Promise<Outcome> {
  const account = withTimeout(env.ACCOUNT_GUARD.getByName(subjects.accountId).observe(obs), cfg.STATE_TIMEOUT_MS, "account state");
  const prompt = obs.prompt;
  const shard = shardOf(subjects.accountHash, cfg.FP_SHARDS);
  const stub = (id: string) => env.FINGERPRINT_GUARD.getByName(fingerprintShardName(id, shard));
  const fps = prompt ? subjects.fingerprints : [];
  const asked = fps.map((fp): Promise<FingerprintVerdict> => {
    const cached = cache.get(fp.id, obs.now);
    if (cached) return Promise.resolve(cached);
    return withTimeout(stub(fp.id).verdict(obs.now), cfg.STATE_TIMEOUT_MS, "fingerprint state").then((v) => {
      cache.set(fp.id, v, obs.now);
      return v;
    });
  });
  const frame = prompt && frameEligible(prompt, cfg) ? frameObjectName(prompt.template) : null;
  const frameStub = frame ? env.FRAME_GUARD.getByName(frame) : null;
  const frameAsked = frame && frameStub ? askFrame(frame, frameStub, cache, obs.now, cfg) : Promise.resolve(null);
  const [acc, frameResult, ...fpResults] = await Promise.allSettled([account, frameAsked, ...asked]);

  const failures = [acc, frameResult, ...fpResults].filter((r) => r.status === "rejected");
  for (const f of failures) console.error(JSON.stringify({ event: "state_unavailable", failMode, error: String((f as PromiseRejectedResult).reason) }));

  if (acc.status === "rejected") {
    const decision: Decision =
      failMode === "open"
        ? { action: "allow", cause: "error", reasons: ["state unavailable: failing open"], until: null, retryAfterMs: 0, limits: [] }
        : { action: "throttle", cause: "error", reasons: ["state unavailable: failing closed"], until: null, retryAfterMs: 1000, limits: [] };
    return { decision, failed: true };
  }
  const seen = acc.value.seen;
  if (prompt && seen) {
    for (const fp of fps) {
      const fobs: FingerprintObservation = {
        now: obs.now,
        account: subjects.accountHash,
        pair: subjects.pairHash,
        prompt,
        seen,
        accountId: subjects.accountId,
        idempotency: obs.idempotency,
        client: fp.client,
      };
      const sent = withTimeout(stub(fp.id).observe(fobs), cfg.STATE_TIMEOUT_MS, "fingerprint state").then(
        (v) => cache.set(fp.id, v, obs.now),
        (err) => console.error(JSON.stringify({ event: "state_unavailable", failMode, error: String(err) })),
      );
      ctx.waitUntil(sent);
    }
  }
  // Fingerprints that failed are skipped: the account decides (core/decision.ts has the precedence).
  const answered = fpResults.flatMap((r, i) => (r.status === "fulfilled" ? [{ verdict: r.value, via: fps[i]!.id }] : []));
  // The frame answers only for a new account's single-shot request, and hears only of those.
  if (frame && frameStub && seen?.singleShot && isNewAccount(acc.value.requests ?? Number.POSITIVE_INFINITY, cfg)) {
    if (frameResult.status === "fulfilled" && frameResult.value) answered.push({ verdict: frameResult.value, via: frame });
    const note = { now: obs.now, account: subjects.accountHash[1], prompt: prompt!.prompt[1], accountId: subjects.accountId };
    const sent = withTimeout(frameStub.observe(note), cfg.STATE_TIMEOUT_MS, "frame state").then(
      (v) => cache.set(frame, v, obs.now),
      (err) => console.error(JSON.stringify({ event: "state_unavailable", failMode, error: String(err) })),
    );
    ctx.waitUntil(sent);
  }
  const votes = answered.map(
    ({ verdict: v, via }): Vote =>
      v.cause === "override"
        ? { kind: "deny", reasons: v.reasons, until: v.until }
        : { kind: "verdict", action: v.action, reasons: v.reasons, until: v.until, via, ...(v.shadow ? { shadow: true } : {}) },
  );
  const { seen: _, requests: _requests, ...accountDecision } = acc.value;
  const { decision, adopt: via } = decideRequest(accountDecision, votes, obs.now, cfg.GUARD_MODE === "shadow");
  const adopted = answered.find((a) => a.via === via);
  const adopt = adopted ? { verdict: adopted.verdict, via: adopted.via } : undefined;
  return { decision, adopt, failed: failures.length > 0 };
}

/** The frame's verdict from this isolate's cache, or asked of its object (in parallel with the account). */
function askFrame(frame: string, stub: DurableObjectStub<FrameGuard>, cache: VerdictCache, now: number, cfg: Config): Promise<FingerprintVerdict> {
  const cached = cache.get(frame, now);
  if (cached) return Promise.resolve(cached);
  return withTimeout(stub.verdict(now), cfg.STATE_TIMEOUT_MS, "frame state").then((v) => {
    cache.set(frame, v, now);
    return v;
  });
}
