/**
 * The guard with its per-request Durable Objects answering at once, without state (bench only): what
 * the edge Worker itself costs on the response path, RPCs included. Everything else (routing,
 * identity, body, features, decide, speculative forwarding) is the real Worker.
 */
import { DurableObject } from "cloudflare:workers";
import type { Decision, FingerprintObservation, FrameObservation, AccountObservation } from "../durable-objects/protocol";
import type { FingerprintVerdict } from "../durable-objects/fingerprint-guard";

export { default, GuardRegistry, AuditLog, OverviewStats } from "../worker/index";

export class AccountGuard extends DurableObject<Env> {
  async observe(obs: AccountObservation): Promise<Decision> {
    return {
      action: "allow",
      cause: "none",
      reasons: [],
      until: null,
      retryAfterMs: 0,
      limits: [
        { name: "requests", quota: 600, windowS: 60, remaining: 599, resetS: 0 },
        { name: "tokens", quota: 2_000_000, windowS: 60, remaining: 2_000_000 - (obs.prompt?.tokens ?? 0), resetS: 0 },
      ],
    };
  }
}

export class FingerprintGuard extends DurableObject<Env> {
  async observe(_obs: FingerprintObservation): Promise<FingerprintVerdict> {
    return { action: "allow", reasons: [], until: null, since: null };
  }

  /** Asked on the response path when the isolate has no fresh verdict (worker/verdict-cache.ts). */
  async verdict(_now: number): Promise<FingerprintVerdict> {
    return { action: "allow", reasons: [], until: null, since: null };
  }
}

export class FrameGuard extends DurableObject<Env> {
  async verdict(_now: number): Promise<FingerprintVerdict> {
    return { action: "allow", reasons: [], until: null, since: null };
  }

  async observe(_obs: FrameObservation): Promise<FingerprintVerdict> {
    return { action: "allow", reasons: [], until: null, since: null };
  }
}
