/**
 * Table 2: end to end in workerd, concurrency 32: the guard against a bare pass-through Worker,
 * both forwarding to the same upstream (the guard's mock LLM served by a Node process on 127.0.0.1),
 * in the same run. Runs of the two alternate (guard, bare, bare, guard, …) so drift on a shared
 * machine hits both alike; throughput is total requests over total time, latencies are the median
 * of the runs' percentiles.
 *
 * Traffic: prompts from eval/data/ (or BENCH_DATA_DIR) in both formats, 1,000 API keys, 200 client addresses,
 * five SDK user agents, so each request touches one account object and two fingerprint shards. The
 * guard runs in shadow mode with classic limits out of reach, so every request is inspected and
 * forwarded (enforcement would answer some with a cheaper 429/403 and flatter the guard).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { conversationBodyFor, mixedPrompts, pathFor, type BodyFormat } from "./data";
import { runLoad, type LoadRequest, type LoadResult } from "./load";
import { fmt, median, Table } from "./report";
import { Rng } from "./streams";
import { cpuSeconds, startBenchWorker, type RunningWorker } from "./workerd";

const CONCURRENCY = 32;
const UAS = ["OpenAI/Python 1.54.0", "OpenAI/JS 4.73.0", "Anthropic/Python 0.40.0", "Anthropic/JS 0.32.1", "python-httpx/0.27.2"];

async function startUpstream(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["eval/run.mjs", "bench/upstream.ts"], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += new TextDecoder().decode(c);
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`bench: upstream exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

interface Traffic {
  /** one request per account, network and format: creates every Durable Object the runs touch */
  warmup: LoadRequest[];
  requests: LoadRequest[];
}

function traffic(count: number, keys: number, streamShare: number): Traffic {
  const rng = new Rng(31);
  const prompts = mixedPrompts();
  const enc = new TextEncoder();
  const make = (i: number, k: number, net: number, format: BodyFormat, stream: boolean): LoadRequest => {
    const key = `sk-bench-${k.toString().padStart(4, "0")}`;
    // an account's clients sit in two networks
    const ip = `198.51.${(k * 7 + net) % 250}.${1 + rng.below(250)}`;
    return {
      path: pathFor(format),
      headers: {
        "content-type": "application/json",
        ...(format === "openai-chat" ? { authorization: `Bearer ${key}` } : { "x-api-key": key }),
        "user-agent": UAS[k % UAS.length]!,
        "cf-connecting-ip": ip,
      },
      body: enc.encode(conversationBodyFor(format, prompts[(i + 7919) % prompts.length]!, prompts[i % prompts.length]!, stream)),
    };
  };
  const warmup: LoadRequest[] = [];
  for (let k = 0; k < keys; k++) for (const net of [0, 1]) for (const f of ["openai-chat", "anthropic-messages"] as const) warmup.push(make(warmup.length, k, net, f, false));
  const requests: LoadRequest[] = [];
  for (let i = 0; i < count; i++) {
    const format: BodyFormat = i % 3 === 2 ? "anthropic-messages" : "openai-chat";
    requests.push(make(i, rng.below(keys), rng.below(2), format, rng.next() < streamShare));
  }
  return { warmup, requests };
}

interface Side {
  name: string;
  target: RunningWorker;
  /** per concurrency level */
  runs: Map<number, LoadResult[]>;
  cpu: Map<number, number>;
}

export interface GuardVariant {
  label: string;
  vars: Record<string, string>;
  /** the budgets apply to this variant (the defaults) */
  judged: boolean;
  /** Durable Object storage in memory instead of SQLite files on disk */
  memory?: boolean;
  /** another Worker module (bench/stub-objects-worker.ts) */
  entrypoint?: string;
  /** other traffic: this many API keys instead of the table's */
  keys?: number;
}

export interface E2eOptions {
  /** seconds per run */
  seconds: number;
  /** runs per Worker */
  runs: number;
  /** distinct API keys (accounts) in the traffic */
  keys: number;
  /** share of requests that ask for a streamed answer */
  streamShare: number;
  variants: GuardVariant[];
  /** a light load as well (table 2b), to show latency when the cores are not saturated */
  lightConcurrency: number;
  /** API keys of the light load (a subset of the table's, so their objects are warm) */
  lightKeys: number;
  /** share of streamed answers in the light load */
  lightStreamShare: number;
}

function sideStats(s: Side, concurrency: number) {
  const runs = s.runs.get(concurrency) ?? [];
  const n = runs.reduce((k, r) => k + r.requests, 0);
  const secs = runs.reduce((k, r) => k + r.seconds, 0);
  const ok = runs.reduce((k, r) => k + (r.statuses.get(200) ?? 0), 0);
  return { n, rps: n / secs, p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), cpu: (s.cpu.get(concurrency) ?? NaN) / n, ok };
}

export async function e2eTables(opts: E2eOptions): Promise<Table[]> {
  const upstream = await startUpstream();
  const dirs: string[] = [];
  const sides: (Side & { variant?: GuardVariant })[] = [];
  try {
    sides.push({
      name: "bare pass-through",
      target: await startBenchWorker({ config: "bench/bare.wrangler.toml", vars: { UPSTREAM_URL: upstream.url }, persist: false }),
      runs: new Map(),
      cpu: new Map(),
    });
    for (const v of opts.variants) {
      const persist = mkdtempSync(join(tmpdir(), "distill-guard-bench-"));
      dirs.push(persist);
      const target = await startBenchWorker({
        config: "wrangler.toml",
        entrypoint: v.entrypoint,
        // Shadow mode: every verdict is computed and recorded as in enforce mode, but the answer is
        // served. The synthetic traffic (second turns the guard never saw, sent at machine pace by
        // each key) is what detection refuses, and a table of 429s measures no proxying.
        vars: { UPSTREAM_URL: upstream.url, GUARD_SECRET: "bench-secret-not-for-production", GUARD_MODE: "shadow", ...v.vars },
        persist: v.memory ? false : persist,
      });
      sides.push({ name: v.label, target, runs: new Map(), cpu: new Map(), variant: v });
    }
    const traffics = new Map<number, Traffic>();
    const trafficOf = (s: (typeof sides)[number], light = false): Traffic => {
      const keys = light ? opts.lightKeys : (s.variant?.keys ?? opts.keys);
      const share = light ? opts.lightStreamShare : opts.streamShare;
      const id = keys + 1e6 * share;
      let t = traffics.get(id);
      if (!t) traffics.set(id, (t = traffic(20_000, keys, share)));
      return t;
    };
    // warm-up: every Durable Object the runs touch is created once, then the JIT settles
    for (const s of sides) {
      const { warmup, requests } = trafficOf(s);
      await runLoad(s.target.endpoint, warmup, { concurrency: CONCURRENCY, seconds: 600, count: warmup.length });
      await runLoad(s.target.endpoint, requests, { concurrency: CONCURRENCY, seconds: 2 });
    }
    let offset = 0;
    for (const concurrency of [CONCURRENCY, opts.lightConcurrency]) {
      for (let r = 0; r < opts.runs; r++) {
        // alternate the order, so drift on a shared machine hits every Worker alike
        const order = r % 2 === 0 ? sides : [...sides].reverse();
        for (const s of order) {
          const c0 = cpuSeconds(s.target.pids);
          const res = await runLoad(s.target.endpoint, trafficOf(s, concurrency !== CONCURRENCY).requests, { concurrency, seconds: opts.seconds, start: offset });
          s.cpu.set(concurrency, (s.cpu.get(concurrency) ?? 0) + cpuSeconds(s.target.pids) - c0);
          offset += res.requests;
          s.runs.set(concurrency, [...(s.runs.get(concurrency) ?? []), res]);
        }
      }
    }
  } finally {
    for (const s of sides) await s.target.dispose().catch(() => {});
    upstream.child.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }

  const tables: Table[] = [];
  for (const concurrency of [CONCURRENCY, opts.lightConcurrency]) {
    const heavy = concurrency === CONCURRENCY;
    const title = heavy
      ? `2. End to end in workerd, concurrency ${CONCURRENCY}, ${opts.keys} accounts, same upstream`
      : `2b. One request at a time (concurrency ${concurrency}), ${opts.lightKeys} accounts: the guard's latency when the cores are not saturated`;
    const t = new Table(title, ["Worker", "requests/s", "p50", "p99", "workerd CPU per request", "answered 200", "vs bare: throughput", "vs bare: p50", "budget"]);
    const bare = sideStats(sides[0]!, concurrency);
    for (const s of sides) {
      const st = sideStats(s, concurrency);
      const cpu = Number.isNaN(st.cpu) ? "n/a" : fmt.us(st.cpu * 1000);
      const cells = [s.name, fmt.int(st.rps), fmt.ms(st.p50), fmt.ms(st.p99), cpu, `${fmt.int(st.ok)} of ${fmt.int(st.n)}`];
      if (!s.variant) {
        t.row([...cells, "", "", ""]);
        continue;
      }
      const tr = st.rps / bare.rps;
      const lr = st.p50 / bare.p50;
      // A run whose answers are not 200s measured refusals, not the guard in front of an upstream.
      const served = st.n > 0 && st.ok >= 0.99 * st.n;
      if (s.variant.judged && heavy) t.row([...cells, fmt.x(tr), fmt.x(lr), "throughput ≥ 0.85×, p50 ≤ 1.2×, ≥ 99 % answered 200"], tr >= 0.85 && lr <= 1.2 && served);
      else t.row([...cells, fmt.x(tr), fmt.x(lr), ""]);
    }
    tables.push(t);
  }
  const table = tables[0]!;
  table.note(
    `${opts.runs} runs of ${opts.seconds} s per Worker, in alternating order, after a warm-up that creates every Durable Object the runs touch. ` +
      `Traffic: prompts (eval/data/ or BENCH_DATA_DIR) as second turns of conversations, both formats, ${opts.keys} API keys, two client networks each, five SDK user agents ` +
      `(each request touches one account object and two fingerprint shards); ${Math.round(opts.streamShare * 100)} % ask for streaming, as in the dev scenario, ` +
      `which the mock answers an event every 5 ms. The guard runs with its defaults but in shadow mode (every verdict computed and recorded, every answer served: this synthetic traffic, second turns the guard never saw at machine pace, is what enforce mode refuses), Durable Object ` +
      `storage on disk. The load generator (Node), the upstream (Node) and workerd share the machine's cores, and locally every Durable Object event (the ` +
      `three observe calls, flush alarms, shard exchanges) runs on the Worker's own workerd thread, where in production objects run elsewhere. ` +
      `"Worker alone" binds the two guard objects to stubs that answer allow at once (bench/stub-objects-worker.ts): the edge Worker's own cost.`,
  );
  tables[1]!.note(
    `The same Workers, one request in flight, answers not streamed (${Math.round(opts.lightStreamShare * 100)} %): no queueing, so the difference to the bare proxy is the guard's own time on the response path, ` +
      `plus whatever Durable Object events (flush alarms, shard exchanges) happen to run on the same thread at that moment. ` +
      `With SPECULATIVE_UPSTREAM the upstream request runs while the objects decide, so their round trip overlaps the upstream's.`,
  );
  return tables;
}
