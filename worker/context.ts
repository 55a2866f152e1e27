/**
 * Per-isolate state of the edge Worker: parsed config and the derived hash key. Built once, on the
 * first request, from the same bindings every request sees.
 */
import { configFor, hashSecret, type Config } from "../core/config";
import { deriveHashKey, type HashKey } from "../core/hash";
import type { ParsedRequest } from "../core/types";
import { VerdictCache } from "./verdict-cache";

/**
 * What answers when UPSTREAM_URL is unset: the built-in mock, wired in by the development entry
 * (worker/index.ts) only, so the production bundle (worker/production.ts) does not contain it.
 */
export type LocalUpstream = (request: Request, body: unknown, parsed: ParsedRequest | null, cfg: Config) => Response;

export interface GuardContext {
  cfg: Config;
  /** Secret for HMAC of API keys. */
  secret: string;
  /** Key of the fast sketch hash, derived from the secret. */
  hashKey: HashKey;
  /** Fingerprint verdicts this isolate learnt (worker/decide.ts). */
  verdicts: VerdictCache;
  /** The built-in mock in development entries; null in production's. */
  localUpstream: LocalUpstream | null;
}

const contexts = new WeakMap<object, Promise<GuardContext>>();
let warned = false;

async function build(env: Env, localUpstream: LocalUpstream | null): Promise<GuardContext> {
  const cfg = configFor(env);
  const { secret, isDefault } = hashSecret(cfg);
  if (isDefault && !warned) {
    warned = true;
    console.warn(JSON.stringify({ event: "development_secret", message: "GUARD_SECRET is unset: using the development default. Set it with `wrangler secret put GUARD_SECRET` before deploying." }));
  }
  return { cfg, secret, hashKey: await deriveHashKey(secret, "sketch/v1"), verdicts: new VerdictCache(cfg.FP_VERDICT_TTL_S * 1000), localUpstream };
}

export function guardContext(env: Env, localUpstream: LocalUpstream | null): Promise<GuardContext> {
  let ctx = contexts.get(env);
  if (!ctx) {
    ctx = build(env, localUpstream);
    contexts.set(env, ctx);
  }
  return ctx;
}
