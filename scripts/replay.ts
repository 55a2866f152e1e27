/**
 * Replays a traffic scenario file against a running guard, for a look at the dashboard:
 *
 *   npm run dev -- --var GUARD_TEST_MODE:true --var ADMIN_TOKEN:dev-admin-token
 *   npm run replay -- out/scenarios/holdout.jsonl.gz [--url http://127.0.0.1:8787] [--limit N]
 *                     [--speed max|N] [--concurrency 8] [--token dev-admin-token]
 *
 * Each line goes out with the test headers (x-guard-test-time, -ja4, -asn, cf-connecting-ip,
 * user-agent). `--speed N` paces scenario time at N times real time (3600: an hour a second); `max`
 * (the default) sends as fast as the guard answers, which is fine because the guard's clock is the
 * header, not the wall. The scenario reader, the request headers and the scheduler (one request at
 * a time per key, in file order, keys interleaved within a look-ahead window) are the evaluation
 * tool's, so a replay here sends what `npm run eval` would.
 */
import { lineHeaders } from "../eval/http";
import { DEFAULT_SCHEDULER, schedule } from "../eval/replay";
import { readScenario, type IndexedLine } from "../eval/scenario";
import { testHeaders } from "../tools/test-headers";
import { progressPrinter } from "./progress";

interface Options {
  file: string;
  url: string;
  limit?: number;
  speed: number | "max";
  concurrency: number;
  token?: string;
}

const USAGE = "usage: npm run replay -- <scenario.jsonl[.gz]> [--url http://127.0.0.1:8787] [--limit N] [--speed max|N] [--concurrency N] [--token ADMIN_TOKEN]";

function parse(argv: string[]): Options {
  const o: Partial<Options> = { url: "http://127.0.0.1:8787", speed: "max", concurrency: 8 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    const positive = (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) fail(`${a}: ${JSON.stringify(v)} is not a positive number`);
      return n;
    };
    if (a === "--url") o.url = value().replace(/\/+$/, "");
    else if (a === "--limit") o.limit = Math.floor(positive(value()));
    else if (a === "--speed") o.speed = ((v) => (v === "max" ? "max" : positive(v)))(value());
    else if (a === "--concurrency") o.concurrency = Math.floor(positive(value()));
    else if (a === "--token") o.token = value();
    else if (a === "--help" || a === "-h") fail("");
    else if (a.startsWith("--")) fail(`unknown option ${a}`);
    else if (o.file) fail(`one scenario file only (got ${o.file} and ${a})`);
    else o.file = a;
  }
  if (!o.file) fail("a scenario file is required");
  return o as Options;
}

function fail(message: string): never {
  if (message) console.error(`replay: ${message}`);
  console.error(USAGE);
  process.exit(2);
  throw new Error("unreachable");
}

type Outcome = "served" | "throttled" | "blocked" | "other";
const outcomeOf = (status: number): Outcome => (status >= 200 && status < 300 ? "served" : status === 429 ? "throttled" : status === 403 ? "blocked" : "other");

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const counts: Record<string, Record<Outcome, number>> = {};
  const otherStatuses = new Map<number, number>();
  let sent = 0;
  let lastT = 0;
  let firstT: number | undefined;
  let debugSeen = false;
  const started = Date.now();

  const send = async (line: IndexedLine): Promise<void> => {
    if (o.speed !== "max") {
      firstT ??= line.t;
      const due = started + (line.t - firstT) / o.speed;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    let status = 0;
    try {
      const res = await fetch(o.url + line.path, { method: "POST", headers: lineHeaders(line), body: JSON.stringify(line.body ?? null) });
      if (res.headers.has("x-guard-debug")) debugSeen = true;
      await res.arrayBuffer();
      status = res.status;
    } catch (err) {
      if (sent === 0) throw new Error(`cannot reach ${o.url}: ${(err as Error).message}. Is \`npm run dev\` running?`);
    }
    const outcome = outcomeOf(status);
    if (outcome === "other") otherStatuses.set(status, (otherStatuses.get(status) ?? 0) + 1);
    (counts[line.label] ??= { served: 0, throttled: 0, blocked: 0, other: 0 })[outcome]++;
    sent++;
    lastT = Math.max(lastT, line.t);
  };

  const printer = progressPrinter(process.stderr);
  const progress = setInterval(() => printer.update(`replay: ${sent} requests, ${Math.round(sent / ((Date.now() - started) / 1000))}/s`), 2000);
  try {
    await schedule(readScenario(o.file, { limit: o.limit }), send, () => {}, { ...DEFAULT_SCHEDULER, concurrency: o.concurrency });
  } finally {
    clearInterval(progress);
    printer.done();
  }

  const seconds = (Date.now() - started) / 1000;
  console.log(`replayed ${sent} requests in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s)`);
  console.log("label        served  throttled  blocked  other");
  for (const [label, c] of Object.entries(counts))
    console.log(`${label.padEnd(12)} ${String(c.served).padStart(6)} ${String(c.throttled).padStart(10)} ${String(c.blocked).padStart(8)} ${String(c.other).padStart(6)}`);
  if (otherStatuses.size) console.log(`other statuses: ${[...otherStatuses].map(([s, n]) => `${s || "no answer"} ×${n}`).join(", ")}`);
  if (!debugSeen) console.log("warning: no x-guard-debug header came back: start the guard with --var GUARD_TEST_MODE:true, or the scenario's times are ignored");

  const at = lastT + 1;
  if (o.token) {
    const res = await fetch(`${o.url}/_guard/v1/flagged`, { headers: testHeaders({ key: o.token, time: at }) });
    if (res.ok) {
      const f = (await res.json()) as { accounts: unknown[]; fingerprints: unknown[] };
      console.log(`flagged at the end of the scenario: ${f.accounts.length} accounts, ${f.fingerprints.length} fingerprints`);
    } else console.log(`operator API answered ${res.status}: check --token`);
  }
  console.log(`dashboard at the scenario's clock: ${o.url}/_guard/?at=${at}`);
}

main().catch((err) => {
  console.error(`replay: ${(err as Error).message}`);
  process.exit(1);
});
