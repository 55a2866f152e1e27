/**
 * Table 2: end to end in workerd, concurrency 32: the guard against a bare pass-through Worker,
 * both forwarding to the same upstream (the guard's mock LLM served by a Node process on 127.0.0.1),
 * in the same run. Runs of the two alternate (guard, bare, bare, guard, …) so drift on a shared
 * machine hits both alike; throughput is total requests over total time, latencies are the median
 * of the runs' percentiles.
 *
 * Traffic: real prompts from ../shared/data in both formats, 1,000 API keys, 200 client addresses,
 * five SDK user agents, so each request touches one account object and two fingerprint shards. The
 * guard runs in shadow mode with classic limits out of reach, so every request is inspected and
 * forwarded (enforcement would answer some with a cheaper 429/403 and flatter the guard).
 */
import { spawn, type BenchChild } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { proc } from "../eval/env";
import { conversationBodyFor, mixedPrompts, pathFor, type BodyFormat } from "./data";
import { runLoad, type LoadRequest, type LoadResult } from "./load";
import { fmt, median, Table } from "./report";
import { Rng } from "./streams";
import { cpuSeconds, startWorker, type Target } from "./workerd";

const CONCURRENCY = 32;
const UAS = ["OpenAI/Python 1.54.0", "OpenAI/JS 4.73.0", "Anthropic/Python 0.40.0", "Anthropic/JS 0.32.1", "python-httpx/0.27.2"];

async function startUpstream(): Promise<{ url: string; child: BenchChild }> {
  const node = (globalThis as unknown as { process: { execPath: string } }).process.execPath;
  const child = spawn(node, ["eval/run.mjs", "bench/upstream.ts"], { stdio: ["ignore", "pipe", "inherit"] });
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
    const ip = `198.51.${(k * 7 + net) % 250}.${1 + rng.int(250)}`;
    return {
      path: pathFor(format),
      headers: {
        "content-type": "application/json",
        ...(format === "openai-chat" ? { authorization: `Bearer ${key}` } : { "x-api-key": key }),
        "user-agent": UAS[k % UAS.length],
        "cf-connecting-ip": ip,
      },
      body: enc.encode(conversationBodyFor(format, prompts[(i + 7919) % prompts.length], prompts[i % prompts.length], stream)),
    };
  };
  const warmup: LoadRequest[] = [];
  for (let k = 0; k < keys; k++) for (const net of [0, 1]) for (const f of ["openai-chat", "anthropic-messages"] as const) warmup.push(make(warmup.length, k, net, f, false));
  const requests: LoadRequest[] = [];
  for (let i = 0; i < count; i++) {
    const format: BodyFormat = i % 3 === 2 ? "anthropic-messages" : "openai-chat";
    requests.push(make(i, rng.int(keys), rng.int(2), format, rng.float() < streamShare));
  }
  return { warmup, requests };
}

interface Side {
  name: string;
  target: Target;
  runs: LoadResult[];
  cpu: number;
}

export interface E2eOptions {
  /** seconds per run */
  seconds: number;
  /** runs per side */
  runs: number;
  /** distinct API keys (accounts) in the traffic */
  keys: number;
  /** share of requests that ask for a streamed answer */
  streamShare: number;
  /** extra guard vars (e.g. to compare a setting) */
  vars?: Record<string, string>;
}

export async function e2eTable(opts: E2eOptions): Promise<Table> {
  const upstream = await startUpstream();
  const persist = mkdtempSync(join(tmpdir(), "distill-guard-bench-"));
  const sides: Side[] = [];
  try {
    const guard = await startWorker({
      config: "wrangler.toml",
      vars: {
        UPSTREAM_URL: upstream.url,
        GUARD_SECRET: "bench-secret-not-for-production",
        ...opts.vars,
      },
      persist: proc.env.BENCH_PERSIST === "0" ? false : persist,
    });
    const bare = await startWorker({ config: "bench/bare.wrangler.toml", vars: { UPSTREAM_URL: upstream.url }, persist: false });
    sides.push({ name: "guard", target: guard, runs: [], cpu: 0 }, { name: "bare", target: bare, runs: [], cpu: 0 });
    const { warmup, requests } = traffic(20_000, opts.keys, opts.streamShare);
    let offset = 0;
    // warm-up: every Durable Object the runs touch is created once, then the JIT settles
    for (const s of sides) {
      await runLoad(s.target, warmup, { concurrency: CONCURRENCY, seconds: 600, count: warmup.length });
      await runLoad(s.target, requests, { concurrency: CONCURRENCY, seconds: 1 });
    }
    for (let r = 0; r < opts.runs; r++) {
      const order = r % 2 === 0 ? sides : [...sides].reverse();
      for (const s of order) {
        const c0 = cpuSeconds(s.target.pids);
        const res = await runLoad(s.target, requests, { concurrency: CONCURRENCY, seconds: opts.seconds, start: offset });
        s.cpu += cpuSeconds(s.target.pids) - c0;
        offset += res.requests;
        s.runs.push(res);
      }
    }
  } finally {
    for (const s of sides) await s.target.dispose().catch(() => {});
    upstream.child.kill();
    rmSync(persist, { recursive: true, force: true });
  }

  const [g, b] = sides;
  const stats = (s: Side) => {
    const n = s.runs.reduce((k, r) => k + r.requests, 0);
    const secs = s.runs.reduce((k, r) => k + r.seconds, 0);
    const ok = s.runs.reduce((k, r) => k + (r.statuses.get(200) ?? 0), 0);
    return { n, rps: n / secs, p50: median(s.runs.map((r) => r.p50)), p99: median(s.runs.map((r) => r.p99)), cpu: s.cpu / n, ok };
  };
  const gs = stats(g);
  const bs = stats(b);
  const table = new Table(`2. End to end in workerd, concurrency ${CONCURRENCY}, same upstream`, ["Worker", "requests/s", "p50", "p99", "workerd CPU per request", "answered 200", "budget"]);
  table.row(["bare pass-through", fmt.int(bs.rps), fmt.ms(bs.p50), fmt.ms(bs.p99), Number.isNaN(bs.cpu) ? "n/a" : fmt.us(bs.cpu * 1000), `${fmt.int(bs.ok)} of ${fmt.int(bs.n)}`, ""]);
  table.row(["guard", fmt.int(gs.rps), fmt.ms(gs.p50), fmt.ms(gs.p99), Number.isNaN(gs.cpu) ? "n/a" : fmt.us(gs.cpu * 1000), `${fmt.int(gs.ok)} of ${fmt.int(gs.n)}`, ""]);
  table.row(["guard / bare: throughput", fmt.x(gs.rps / bs.rps), "", "", "", "", "≥ 0.85×"], gs.rps / bs.rps >= 0.85);
  table.row(["guard / bare: p50 latency", "", fmt.x(gs.p50 / bs.p50), fmt.x(gs.p99 / bs.p99), "", "", "p50 ≤ 1.2×"], gs.p50 / bs.p50 <= 1.2);
  table.note(
    `${opts.runs} runs of ${opts.seconds} s per Worker, alternating, after a 2 s warm-up each. Guard in shadow mode (every request inspected and forwarded), ` +
      `Durable Object storage on disk; ${Object.entries(opts.vars ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(", ") || "other vars at their defaults"}. Load generator, upstream and workerd share the machine's cores.`,
  );
  return table;
}
