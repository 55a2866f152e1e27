/**
 * Load: `autocannon` against a real `wrangler dev` (127.0.0.1 only) for 60 s at
 * concurrency 64, on a mix of accounts: every request picks the next of 100 keys and one of the
 * four API formats (plus pass-through calls), with prompts that repeat for some accounts and sweep
 * for others. A warm-up of one full cycle of the mix (every account in every format, 900 requests)
 * comes first, so every account's and fingerprint's Durable Object exists before the measured 60 s.
 *
 *   npm run load                     (node eval/run.mjs scripts/load.ts [--duration 60] [--connections 64])
 *
 * Memory: workerd's RSS under `wrangler dev` grows for a minute or more under load even for a
 * Worker that only answers "ok" (measured: the same processes reach 500–600 MB each), while the JS
 * heap of such a Worker stays near 1 MB. So the script samples both the RSS of the workerd processes
 * (every second) and the JS heap of the guard's isolate through wrangler's inspector (every 2 s, after
 * a full collection that the inspector asks for), and
 * then runs the same load against that bare baseline Worker for comparison.
 *
 * Exit code 0 when there were no connection errors, no timeouts and no 5xx; the JS heap's floor
 * did not grow by more than 25 % (or 4 MB) from the middle third of the run to the last; and the guard's RSS
 * grew by no more than 1.5 × the baseline's growth + 128 MB. 1 otherwise.
 */
import autocannon, { type AutocannonRequest, type AutocannonResult } from "autocannon";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, sleep, snapshotSources, startWranglerDev, type WranglerDev } from "../tools/launcher";

const ROOT = resolve(fileURLToPath(import.meta.url), "..", "..", "..");
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const DURATION_S = arg("--duration", 60);
const CONNECTIONS = arg("--connections", 64);
// Enough accounts for a real mix, few enough that every account's and fingerprint's object exists
// after the first seconds even on a slow machine, so a growing RSS afterwards would be a leak.
const ACCOUNTS = arg("--accounts", 100);
/** Formats in the mix (requestFor's switch). */
const FORMATS = 9;
/**
 * The JS heap's floor may rise from the middle third of the run to the last by this fraction, or by
 * HEAP_ALLOWANCE if that is more: the accounts' sketches legitimately fill up during the run (a
 * window is at most ~16 KB per account, so 200 accounts hold at most ~3 MB).
 */
const MAX_GROWTH = 0.25;
const HEAP_ALLOWANCE = 4 * 2 ** 20;
/** The guard's RSS growth may be this many times the bare baseline's, plus RSS_ALLOWANCE. */
const MAX_RSS_RATIO = 1.5;
const RSS_ALLOWANCE = 128 * 2 ** 20;
const TOKEN = "load-admin-token";

const log = (line: string) => process.stdout.write(`${line}\n`);

const WORDS = ["river", "matrix", "protein", "sonnet", "ledger", "glacier", "compiler", "harvest", "orbit", "violin", "tariff", "enzyme", "canyon", "lattice", "auction", "mosaic"];

/** The i-th request of the mix: key, path, body. Deterministic, so runs are comparable. */
function requestFor(i: number): { path: string; method: string; headers: Record<string, string>; body?: string } {
  const account = (i * 7919) % ACCOUNTS;
  const key = `sk-load-${account.toString(36)}`;
  const sweeper = account % 10 === 0; // one account in ten sends only novel prompts
  const n = sweeper ? i : i % 5; // the others repeat a handful of prompts
  const topic = WORDS[(account + n) % WORDS.length];
  const text = sweeper ? `Explain ${topic} concept number ${n} in full detail, with examples.` : `What is a ${topic}? Keep it short.`;
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, "content-type": "application/json", "user-agent": `load-client/${account % 7}` };
  switch (i % 9) {
    case 0:
    case 1:
    case 2:
      return { path: "/v1/chat/completions", method: "POST", headers, body: JSON.stringify({ model: "m", messages: [{ role: "user", content: text }], max_tokens: 64 }) };
    case 3:
    case 4:
      return {
        path: "/v1/messages",
        method: "POST",
        headers: { ...headers, authorization: "", "x-api-key": key },
        body: JSON.stringify({ model: "m", max_tokens: 64, messages: [{ role: "user", content: text }] }),
      };
    case 5:
      return { path: "/v1/responses", method: "POST", headers, body: JSON.stringify({ model: "m", input: text, instructions: "Be brief." }) };
    case 6:
      return { path: "/v1/completions", method: "POST", headers, body: JSON.stringify({ model: "m", prompt: text, max_tokens: 32 }) };
    case 7:
      return { path: "/v1/chat/completions", method: "POST", headers, body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: text }] }) };
    default:
      return { path: "/v1/models", method: "GET", headers };
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

interface Run {
  result: AutocannonResult;
  total: number;
  /** workerd RSS, one sample per second */
  rss: number[];
  /** used JS heap of the Worker's isolate, one sample per 2 s (empty for the baseline) */
  heap: number[];
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/** One full cycle of the mix: every account in every format, so every object exists afterwards. */
const WARM_UP = (ACCOUNTS * FORMATS) / gcd(ACCOUNTS, FORMATS);

function send(url: string, requests: AutocannonRequest[], limit: { duration: number } | { amount: number }): Promise<AutocannonResult> {
  return new Promise<AutocannonResult>((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, timeout: 90, requests, ...limit }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/**
 * A warm-up of WARM_UP requests (every account's and fingerprint's object is created then), then
 * autocannon for DURATION_S at CONNECTIONS, sampling memory meanwhile.
 */
async function drive(dev: WranglerDev, requests: AutocannonRequest[], sampleHeap: boolean): Promise<Run> {
  const t0 = Date.now();
  const warm = await send(dev.url, requests, { amount: WARM_UP });
  log(`  warm-up: ${WARM_UP} requests in ${((Date.now() - t0) / 1000).toFixed(1)} s (errors ${warm.errors}, timeouts ${warm.timeouts}, 5xx ${warm["5xx"]})`);
  const rss: number[] = [dev.workerdRss()];
  const heap: number[] = [];
  let tick = 0;
  const sampler = setInterval(() => {
    rss.push(dev.workerdRss());
    if (sampleHeap && tick++ % 2 === 0) void dev.heapUsage(true).then((h) => h && heap.push(h.used));
  }, 1000);
  const result = await send(dev.url, requests, { duration: DURATION_S });
  clearInterval(sampler);
  result.errors += warm.errors;
  result.timeouts += warm.timeouts;
  result["5xx"] += warm["5xx"];
  const total = result["1xx"] + result["2xx"] + result["3xx"] + result["4xx"] + result["5xx"];
  return { result, total, rss, heap };
}

function rssLine(rss: number[]): string {
  const every10 = rss
    .filter((_, i) => i % 10 === 0)
    .map(mb)
    .join(" → ");
  return `start ${mb(rss[0]!)}, max ${mb(Math.max(...rss))}, end ${mb(rss[rss.length - 1]!)}; every 10 s: ${every10}`;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "distill-guard-load-"));
  let ok = true;
  const failures: string[] = [];
  try {
    const root = snapshotSources(ROOT, join(dir, "src"), ["scripts/load-baseline"]);
    // 1. The guard.
    const dev = await startWranglerDev({
      root,
      port: await freePort(),
      persistTo: join(dir, "state"),
      vars: { ADMIN_TOKEN: TOKEN, GUARD_SECRET: "load-test-secret" },
      logFile: join(dir, "wrangler.log"),
      adminToken: TOKEN,
    });
    let guard: Run;
    try {
      log(`load: autocannon → wrangler dev on ${dev.url}, ${CONNECTIONS} connections, ${DURATION_S} s after a warm-up of ${WARM_UP} requests, ${ACCOUNTS} accounts`);
      let next = 0;
      const requests: AutocannonRequest[] = [
        {
          setupRequest: (req) => {
            const r = requestFor(next++);
            const headers = { ...r.headers };
            if (headers.authorization === "") delete headers.authorization;
            return { ...req, method: r.method, path: r.path, headers, body: r.body };
          },
        },
      ];
      guard = await drive(dev, requests, true);
    } finally {
      await dev.crash();
    }
    const r = guard.result;
    const codes = Object.entries(r.statusCodeStats)
      .map(([code, st]) => `${code}: ${st.count}`)
      .join(", ");
    log(`requests: ${guard.total} in ${r.duration} s, ${r.requests.average.toFixed(0)} req/s average; latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms`);
    log(`statuses: ${codes}`);
    log(`errors: ${r.errors}, timeouts: ${r.timeouts}, 5xx: ${r["5xx"]}, resets: ${r.resets} (warm-up included)`);
    if (r.errors > 0 || r.timeouts > 0 || r["5xx"] > 0 || guard.total === 0) failures.push("errors, timeouts or 5xx");

    // Memory that the guard's code holds: the isolate's JS heap (its Durable Objects included),
    // each sample taken right after a forced full collection, so it is what is retained. Without
    // that the floor of the saw-tooth moved with the machine's load (CI once saw 6.9 → 14.7 MB).
    const h = guard.heap;
    const third = Math.max(1, Math.floor(h.length / 3));
    const early = Math.min(...h.slice(third, 2 * third));
    const late = Math.min(...h.slice(2 * third));
    const heapGrowth = early > 0 ? late / early - 1 : 0;
    log(
      `Worker isolate JS heap (used): ${h.length} samples, min ${mb(Math.min(...h))}, max ${mb(Math.max(...h))}; floor in the middle third ${mb(early)}, in the last third ${mb(late)} (${(heapGrowth * 100).toFixed(1)} %)`,
    );
    if (h.length < 6) failures.push("too few heap samples");
    else if (late - early > Math.max(early * MAX_GROWTH, HEAP_ALLOWANCE)) failures.push(`the JS heap's floor grew by more than ${MAX_GROWTH * 100} % and more than ${mb(HEAP_ALLOWANCE)}`);
    log(`guard workerd RSS: ${rssLine(guard.rss)}`);

    // 2. The baseline: a Worker that only answers "ok", same wrangler dev, same load.
    const bare = await startWranglerDev({
      root,
      config: join(root, "scripts", "load-baseline", "wrangler.toml"),
      port: await freePort(),
      persistTo: join(dir, "bare-state"),
      vars: {},
      logFile: join(dir, "wrangler-bare.log"),
      adminToken: TOKEN,
    });
    let base: Run;
    try {
      base = await drive(bare, [{ method: "GET", path: "/" }], false);
    } finally {
      await bare.crash();
    }
    log(`baseline (a Worker answering "ok", same wrangler dev and load): ${base.total} requests; workerd RSS: ${rssLine(base.rss)}`);
    const guardGrowth = guard.rss[guard.rss.length - 1]! - guard.rss[0]!;
    const baseGrowth = base.rss[base.rss.length - 1]! - base.rss[0]!;
    log(`RSS growth over the measured ${DURATION_S} s: guard ${mb(guardGrowth)} for ${guard.total} requests, baseline ${mb(baseGrowth)} for ${base.total} requests`);
    // workerd and wrangler's dev proxy grow their RSS under load whatever the Worker does; the
    // guard must not grow more than that (plus room for its few hundred Durable Objects).
    if (guardGrowth > Math.max(baseGrowth, 0) * MAX_RSS_RATIO + RSS_ALLOWANCE) failures.push(`RSS grew by more than ${MAX_RSS_RATIO} × the baseline's growth + ${mb(RSS_ALLOWANCE)}`);
  } catch (err) {
    failures.push(String(err));
  }
  ok = failures.length === 0;
  for (const f of failures) log(`FAIL: ${f}`);
  await sleep(100);
  if (ok) rmSync(dir, { recursive: true, force: true });
  else log(`wrangler logs kept in ${dir}`);
  log(ok ? "load: PASS" : "load: FAIL");
  return ok ? 0 : 1;
}

process.exitCode = await main();
