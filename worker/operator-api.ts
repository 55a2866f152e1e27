/**
 * The operator API under /_guard/v1/ (README, "Operator API"): token-protected JSON views of accounts,
 * fingerprints and the flagged list. In test mode "now" is the replayed time of x-guard-test-time.
 */
import { Router, type IRequest } from "itty-router";
import { popcount } from "../core/bits";
import { unionEpochs } from "../core/epoch-union";
import { severity } from "../core/verdict";
import { Epoch } from "../core/window";
import type { FingerprintSnapshot } from "../durable-objects/fingerprint-guard";
import { FINGERPRINT_SCHEMA } from "../durable-objects/schemas";
import type { GuardContext } from "./context";
import { errorResponse, GuardError } from "./errors";
import { errorFor } from "./guard";
import { accountIdFor, clientFacts } from "./identity";
import { bearer, tokenMatches } from "./operator-auth";
import { epochSeries } from "../core/series";
import type { RecentId } from "../durable-objects/recent-ids";
import { auditRoutes } from "./operator-audit";
import { campaignRoutes } from "./operator-campaigns";
import { overrideRoutes } from "./operator-overrides";
import { overviewRoutes } from "./overview";
import { json } from "./operator-json";
import { status } from "./operator-status";
import { accountId, fingerprintId } from "./subject-ids";
import { fingerprintShardName } from "../durable-objects/protocol";
import { guardRegistry } from "../durable-objects/registry";

type Args = [Env, ExecutionContext, GuardContext];

async function accountState(env: Env, id: string, now: number): Promise<Response> {
  const view = await env.ACCOUNT_GUARD.getByName(id).view(now);
  if (view.firstSeen === null) throw GuardError.notFound("GET", "account");
  return json({ account: id, ...view });
}

/** Merges every shard of a fingerprint: sketches are unions, counters sums, the verdict the worst. */
async function fingerprintState(env: Env, gc: GuardContext, id: string, now: number): Promise<Response> {
  const shards = await Promise.all(Array.from({ length: gc.cfg.FP_SHARDS }, (_, s) => env.FINGERPRINT_GUARD.getByName(fingerprintShardName(id, s)).snapshot(now)));
  const seen = shards.filter((s) => s.firstSeen !== null);
  if (seen.length === 0) throw GuardError.notFound("GET", "fingerprint");
  const union = unionEpochs(
    FINGERPRINT_SCHEMA,
    seen.map((s) => Epoch.unmarshal(FINGERPRINT_SCHEMA, s.union)),
  );
  const names = Object.keys(FINGERPRINT_SCHEMA.sketches);
  const est = (name: string): number => Math.round(union.sketches[names.indexOf(name)]!.estimate());
  const topics = popcount(union.topics);
  const worst = seen.reduce<FingerprintSnapshot>((a, b) => (severity(b.verdict.action) > severity(a.verdict.action) ? b : a), seen[0]!);
  return json({
    fingerprint: id,
    requests: seen.reduce((n, s) => n + s.requests, 0),
    distinct: { accounts: est("accounts"), prompts: est("prompts"), templates: est("templates"), topics, accountPrompts: est("pairs") },
    window: { requests: union.counters[FINGERPRINT_SCHEMA.counters.indexOf("requests")], ms: gc.cfg.FINGERPRINT_WINDOW_S * 1000 },
    verdict: worst.verdict,
    shards: gc.cfg.FP_SHARDS,
    recentAccounts: Math.round(seen.reduce((n, s) => n + s.recentAccounts, 0)),
    firstSeen: Math.min(...seen.map((s) => s.firstSeen!)),
    lastSeen: Math.max(...seen.map((s) => s.lastSeen ?? 0)),
    override: seen[0]!.override,
    accounts: mergeRecent(seen.map((s) => s.accounts)),
    series: epochSeries(
      FINGERPRINT_SCHEMA,
      seen.flatMap((s) => s.epochs.map((b) => Epoch.unmarshal(FINGERPRINT_SCHEMA, b))),
      seen[0]!.epochMs,
    ),
  });
}

/** Each shard keeps its own recent accounts (an account always lands on one shard): merge by recency. */
function mergeRecent(lists: RecentId[][]): RecentId[] {
  return lists
    .flat()
    .sort((a, b) => b.lastSeen - a.lastSeen)
    .slice(0, 64);
}

const router = Router<IRequest, Args>({ base: "/_guard/v1" })
  .post("/accounts/lookup", async (req, env, _ctx, gc) => {
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      throw GuardError.badRequest("invalid_json", "The request body is not valid JSON.");
    }
    const key = (body as { key?: unknown } | null)?.key;
    if (typeof key !== "string" || key.length === 0 || key.length > 512) throw GuardError.badRequest("invalid_key", 'Send {"key": "…"} with the API key to look up.', "key");
    return accountState(env, await accountIdFor(gc.secret, key), req.now as number);
  })
  .get("/accounts/:id", (req, env) => accountState(env, accountId(req.params.id), req.now as number))
  .get("/fingerprints/:id", (req, env, _ctx, gc) => fingerprintState(env, gc, fingerprintId(req.params.id), req.now as number))
  .get("/flagged", async (req, env) => json(await guardRegistry(env).flagged(req.now as number)))
  .get("/status", (req, _env, _ctx, gc) => json(status(gc, req.now as number)));
overrideRoutes(router);
auditRoutes(router);
overviewRoutes(router);
campaignRoutes(router);
router.all("*", (req) => {
  throw GuardError.notFound(req.method, new URL(req.url).pathname);
});

/** Gate and dispatch; answers 404 when ADMIN_TOKEN is unset, 401 for a wrong or missing token. */
export async function handleOperator(request: IRequest, env: Env, ctx: ExecutionContext, gc: GuardContext): Promise<Response> {
  try {
    if (!gc.cfg.ADMIN_TOKEN) return errorResponse(GuardError.notFound(request.method, new URL(request.url).pathname), "openai");
    if (!(await tokenMatches(bearer(request.headers), gc.cfg.ADMIN_TOKEN))) {
      return errorResponse(GuardError.unauthorized("invalid_api_key", "A valid operator token is required."), "openai");
    }
    request.now = clientFacts(request, gc.cfg).now;
    return await router.fetch(request, env, ctx, gc);
  } catch (err) {
    return errorFor(err, "openai");
  }
}
