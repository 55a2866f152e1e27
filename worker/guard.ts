/**
 * One request's path through the guard: identify → read and understand the body once → ask the
 * subjects' state → answer (forward, or refuse in the API's own shape with RateLimit headers).
 */
import type { ApiFormat, ErrorShape, ParsedRequest } from "../core/types";
import type { Decision } from "../durable-objects/protocol";
import { readJsonBody } from "./body";
import type { GuardContext } from "./context";
import { decide, type Outcome } from "./decide";
import { errorResponse, GuardError } from "./errors";
import { soften } from "../core/graduated";
import { parseBody } from "./formats";
import { rateLimitHeaders } from "./headers";
import { accountIdFor, apiKeyFrom, clientFacts, type ClientFacts } from "./identity";
import { idempotencyId } from "./idempotency";
import { noteRefusal, startEarly, type EarlyUpstream } from "./early-upstream";
import { buildObservation } from "./observation";
import { forward } from "./proxy";
import { redactedError } from "./redact";
import { logVerdict } from "./telemetry";
import { countDecision } from "./overview";
import { answerKind, meterBody } from "./usage";
import type { AccountObservation } from "../durable-objects/protocol";

/**
 * Extraction and operator refusals are final: `x-should-retry: false` tells the OpenAI and
 * Anthropic SDKs not to retry them automatically. A classic-limit 429 (and a fail-closed one) is
 * meant to be retried after Retry-After, so it does not carry it.
 */
const FINAL: Record<string, string> = { "x-should-retry": "false" };

/** The answer for a refused request, or null to serve it. */
function refusal(d: Decision, shape: ErrorShape, headers: Record<string, string>): Response | null {
  if (d.action === "allow") return null;
  const seconds = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
  const final = d.cause === "extraction" || d.cause === "override" ? { ...headers, ...FINAL } : headers;
  const err = d.action === "block" ? GuardError.blocked(d.until === null ? undefined : seconds, final) : GuardError.throttled(seconds, final);
  return errorResponse(err, shape);
}

export function withHeaders(res: Response, headers: Record<string, string>): Response {
  const out = new Response(res.body, res);
  for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
  return out;
}

function debugHeader(gc: GuardContext, d: Decision): Record<string, string> {
  if (!gc.cfg.GUARD_TEST_MODE) return {};
  return { "x-guard-debug": JSON.stringify({ action: d.action, cause: d.cause, reasons: d.reasons, ...(d.shadow ? { shadow: d.shadow } : {}), ...(d.suspect ? { suspect: true } : {}) }) };
}

interface Identified {
  key: string;
  accountId: string;
  facts: ClientFacts;
}

async function identify(request: Request, gc: GuardContext): Promise<Identified> {
  const key = apiKeyFrom(request.headers);
  const facts = clientFacts(request, gc.cfg);
  return { key, facts, accountId: await accountIdFor(gc.secret, key) };
}

async function upstream(request: Request, bytes: ArrayBuffer | null, body: unknown, parsed: ParsedRequest | null, gc: GuardContext): Promise<Response> {
  if (!gc.cfg.UPSTREAM_URL) {
    // Production refuses to start without UPSTREAM_URL, and its entry has no local upstream.
    if (!gc.localUpstream) throw GuardError.badGateway();
    return gc.localUpstream(request, body, parsed, gc.cfg);
  }
  return forward(request, bytes, gc.cfg.UPSTREAM_URL, gc.cfg.UPSTREAM_TIMEOUT_MS);
}

function recordAfter(env: Env, ctx: ExecutionContext, id: Identified, outcome: Outcome, path: string, gc: GuardContext): void {
  logVerdict(env, gc.cfg, { now: id.facts.now, account: id.accountId, path, decision: outcome.decision, failed: outcome.failed });
  countDecision(env, ctx, outcome.decision, id.facts.now);
  if (outcome.adopt) {
    const { verdict, via } = outcome.adopt;
    const adopt = env.ACCOUNT_GUARD.getByName(id.accountId).adopt({ action: verdict.action, reasons: verdict.reasons, since: verdict.since ?? id.facts.now, until: verdict.until, score: 0 }, via);
    ctx.waitUntil(adopt.catch((err) => console.error(JSON.stringify({ event: "adopt_failed", error: String(err) }))));
  }
}

/**
 * The answer as it goes to the client, read on the way (worker/usage.ts); once it has passed, or the
 * client has gone, its completion tokens are charged to the account after the response
 * (`ctx.waitUntil`), never on its path.
 */
function settledAfter(res: Response, env: Env, ctx: ExecutionContext, accountId: string, obs: AccountObservation): Response {
  const kind = answerKind(res);
  if (kind === null || res.body === null) return res;
  const { body, usage } = meterBody(res.body, kind);
  // Charged as of the request's time, as its prompt was: the answer's tokens belong to the request.
  const settled = usage.then((u) => env.ACCOUNT_GUARD.getByName(accountId).settle({ now: obs.now, tokens: u.tokens, endUser: obs.endUser }));
  ctx.waitUntil(settled.catch((err) => console.error(JSON.stringify({ event: "settle_failed", error: String(err) }))));
  return new Response(body, res);
}

/**
 * A softened body as JSON. JSON.parse reads nesting of any depth, but JSON.stringify recurses, so a
 * body nested deeper than its stack is refused here rather than answered with a 502.
 */
function serialize(body: Record<string, unknown>): string {
  try {
    return JSON.stringify(body);
  } catch (err) {
    if (err instanceof RangeError) throw GuardError.badRequest("invalid_json", "The request body is nested too deeply.");
    throw err;
  }
}

/** POST to one of the four inspected API paths. */
export async function handleInspected(request: Request, env: Env, ctx: ExecutionContext, gc: GuardContext, format: ApiFormat, shape: ErrorShape): Promise<Response> {
  let early: EarlyUpstream | null = null;
  try {
    if (request.method !== "POST") throw GuardError.methodNotAllowed("POST");
    const id = await identify(request, gc);
    const body = await readJsonBody(request, gc.cfg.MAX_BODY_BYTES);
    const parsed = parseBody(format, body.value);
    // A well-formed request goes upstream now; its answer is held until the verdict (early-upstream.ts).
    early = startEarly(request, body.bytes, gc, id.accountId, id.facts.now);

    const { obs, subjects } = buildObservation(gc.hashKey, id.accountId, id.facts, parsed);
    obs.idempotency = await idempotencyId(request, gc.hashKey, id.accountId, body.bytes);
    const outcome = await decide(env, ctx, gc.cfg, gc.verdicts, obs, subjects, gc.cfg.FAIL_MODE);
    recordAfter(env, ctx, id, outcome, new URL(request.url).pathname, gc);

    const headers = { ...rateLimitHeaders(outcome.decision.limits), ...debugHeader(gc, outcome.decision) };
    const refused = refusal(outcome.decision, shape, headers);
    if (refused) {
      early?.cancel();
      noteRefusal(id.accountId, outcome.decision, id.facts.now);
      return refused;
    }
    // A suspect is served, but with less worth harvesting (core/graduated.ts); not in shadow mode.
    const softened = outcome.decision.suspect && gc.cfg.GUARD_MODE !== "shadow" ? soften(format, body.value, gc.cfg.SUSPECT_MEASURES) : null;
    if (softened) {
      early?.cancel();
      noteRefusal(id.accountId, outcome.decision, id.facts.now);
      const bytes = new TextEncoder().encode(serialize(softened));
      return withHeaders(settledAfter(await upstream(request, bytes.buffer as ArrayBuffer, softened, parsed, gc), env, ctx, id.accountId, obs), headers);
    }
    return withHeaders(settledAfter(await (early ? early.response : upstream(request, body.bytes, body.value, parsed, gc)), env, ctx, id.accountId, obs), headers);
  } catch (err) {
    early?.cancel();
    return errorFor(err, shape);
  }
}

/** Any other path: a key is required and the request-rate limit applies; the body is not read. */
export async function handleOther(request: Request, env: Env, ctx: ExecutionContext, gc: GuardContext, shape: ErrorShape): Promise<Response> {
  try {
    const id = await identify(request, gc);
    const { obs, subjects } = buildObservation(gc.hashKey, id.accountId, id.facts, null);
    obs.idempotency = await idempotencyId(request, gc.hashKey, id.accountId, null);
    const outcome = await decide(env, ctx, gc.cfg, gc.verdicts, obs, subjects, gc.cfg.FAIL_MODE_OTHER);
    recordAfter(env, ctx, id, outcome, new URL(request.url).pathname, gc);
    const headers = { ...rateLimitHeaders(outcome.decision.limits), ...debugHeader(gc, outcome.decision) };
    const refused = refusal(outcome.decision, shape, headers);
    if (refused) return refused;
    return withHeaders(await upstream(request, null, null, null, gc), headers);
  } catch (err) {
    return errorFor(err, shape);
  }
}

export function errorFor(err: unknown, shape: ErrorShape): Response {
  if (err instanceof GuardError) return errorResponse(err, shape);
  // Anything unexpected is logged without request data and answered as the upstream being
  // unreachable would be: the guard itself never answers 500.
  console.error(JSON.stringify({ event: "guard_error", error: redactedError(err) }));
  return errorResponse(GuardError.badGateway(), shape);
}
