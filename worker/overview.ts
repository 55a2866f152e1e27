/**
 * The overview's counts on the Worker side. Each isolate tallies what it did with every request in
 * memory (core/overview.ts) and hands the tally to the OverviewStats object through waitUntil at most
 * every FLUSH_EVERY_MS of wall time, so a request's answer never waits on it. A read flushes this
 * isolate's tally first, and waits for sends under way, so an operator sees their own isolate's
 * traffic at once and other isolates' within FLUSH_EVERY_MS.
 *
 * What an isolate holds when it is evicted before its next send is lost: at most FLUSH_EVERY_MS of
 * its traffic. These are operators' figures, not billing: Workers Analytics Engine (the optional
 * ANALYTICS binding, worker/telemetry.ts) has the same counts, durably, for long-range queries.
 */
import type { IRequest, RouterType } from "itty-router";
import type { Decision } from "../core/decision";
import { bucketFor, bucketize, outcomeKeys, Tally } from "../core/overview";
import { OVERVIEW_OBJECT } from "../durable-objects/overview-stats";
import type { GuardContext } from "./context";
import { GuardError } from "./errors";
import { timeParam } from "./operator-audit";
import { json } from "./operator-json";

type Args = [Env, ExecutionContext, GuardContext];

export const FLUSH_EVERY_MS = 10_000;
/** The longest range one read covers (the object keeps 31 days). */
const MAX_RANGE_MS = 31 * 86_400_000;
const DEFAULT_RANGE_MS = 86_400_000;

const tally = new Tally();
let lastFlush = 0;
const sending = new Set<Promise<void>>();

function send(env: Env): Promise<void> {
  lastFlush = Date.now();
  const minutes = tally.take();
  if (minutes.length === 0) return Promise.resolve();
  const p = env.OVERVIEW_STATS.getByName(OVERVIEW_OBJECT)
    .add(minutes)
    .catch((err: unknown) => {
      // Kept for the next send; an object that keeps failing costs memory of one entry per minute and key.
      tally.restore(minutes);
      console.error(JSON.stringify({ event: "overview_flush_failed", error: String(err) }));
    })
    .finally(() => sending.delete(p));
  sending.add(p);
  return p;
}

/** Counts one request's decision at its request time `now`. */
export function countDecision(env: Env, ctx: ExecutionContext, d: Decision, now: number): void {
  tally.add(now, outcomeKeys(d));
  if (Date.now() - lastFlush >= FLUSH_EVERY_MS) ctx.waitUntil(send(env));
}

/** Sends this isolate's tally and waits for every send under way. */
export async function flushOverview(env: Env): Promise<void> {
  send(env);
  await Promise.all([...sending]);
}

/** `GET /overview?from&to&bucketS`: counts per bucket and in total; the range defaults to the 24 hours before now. */
export function overviewRoutes(router: RouterType<IRequest, Args>): void {
  router.get("/overview", async (req, env) => {
    const p = new URL(req.url).searchParams;
    const now = req.now as number;
    // By default the buckets end at the first round bucket boundary after now.
    const to = timeParam(p, "to") ?? Math.ceil((now + 1) / bucketFor(0, DEFAULT_RANGE_MS)) * bucketFor(0, DEFAULT_RANGE_MS);
    const from = timeParam(p, "from") ?? to - DEFAULT_RANGE_MS;
    if (from >= to || to - from > MAX_RANGE_MS) throw GuardError.badRequest("invalid_value", "`from` must be before `to`, at most 31 days apart.", "from");
    let bucketMs = bucketFor(from, to);
    const raw = p.get("bucketS");
    if (raw !== null) {
      const s = Number(raw);
      if (!Number.isSafeInteger(s) || s < 60 || s % 60 !== 0 || (to - from) / (s * 1000) > 1000) {
        throw GuardError.badRequest("invalid_value", "`bucketS` must be a whole number of minutes in seconds (60, 300, ...), with at most 1000 buckets in the range.", "bucketS");
      }
      bucketMs = s * 1000;
    }
    await flushOverview(env);
    const minutes = await env.OVERVIEW_STATS.getByName(OVERVIEW_OBJECT).read(from, to, bucketMs);
    return json(bucketize(minutes, from, to, bucketMs));
  });
}
