/**
 * Tables 8, 9 and 9b: Durable Object calls and storage rows per request in mixed traffic replayed at
 * its own rates (bench/traffic-sim.ts), what that costs on Cloudflare's published prices, and the
 * same figures carried on paper to a provider at internet scale.
 */
import { generateScenario } from "../eval/generate/generate";
import { PRESETS } from "../eval/generate/presets";
import { bodyFor, promptsOfSize } from "./data";
import { fmt, Table } from "./report";
import { EVICT_MS, simulateTraffic, type TrafficFigures, type TrafficRequest } from "./traffic-sim";
import { CONFIG } from "./sim";

/**
 * Cloudflare's published prices (Workers Paid plan, usage above the included amounts), as listed on
 * developers.cloudflare.com/workers/platform/pricing and /durable-objects/platform/pricing, pages
 * last updated 2026-04-21; SQLite storage billed since 2026-01-07.
 */
export const PRICES = {
  listed: "2026-04-21",
  workerRequestsPerM: 0.3,
  workerCpuMsPerM: 0.02,
  doRequestsPerM: 0.15,
  doGbSecondsPerM: 12.5,
  rowsReadPerM: 0.001,
  rowsWrittenPerM: 1.0,
  storagePerGbMonth: 0.2,
} as const;

/** Wall time one Durable Object event keeps its object active (billed duration), an assumption. */
const DO_EVENT_MS = 2;
const DO_GB = 0.125;

function dev(): { label: string; requests: TrafficRequest[] } {
  const { lines } = generateScenario({ preset: PRESETS.holdout!, reference: null });
  const requests = lines.filter((l) => l.key).map((l) => ({ t: l.t, key: l.key!, path: l.path, body: l.body, ip: l.ip, ua: l.ua, ja4: l.ja4, asn: l.asn }));
  return { label: `dev-like scenario (holdout preset: ${requests.length.toLocaleString("en-US")} requests, 12 days)`, requests };
}

const JA4 = "t13d1516h2_8daaf6152771_02713d6af862";

function app(rate: number, seconds: number): { label: string; requests: TrafficRequest[] } {
  const prompts = promptsOfSize(1024, 512);
  const t0 = Date.UTC(2026, 0, 10);
  const requests = Array.from({ length: rate * seconds }, (_, i) => ({
    t: t0 + Math.floor((i * 1000) / rate),
    key: "sk-app-0001",
    path: "/v1/chat/completions",
    body: JSON.parse(bodyFor("openai-chat", prompts[i % prompts.length]!)) as unknown,
    ip: `198.51.100.${i % 200}`,
    ua: "OpenAI/Python 1.54.0",
    ja4: JA4,
    asn: 16509,
  }));
  return { label: `one app at ${rate.toLocaleString("en-US")} requests/s (${seconds} s)`, requests };
}

function hydra(keys: number, perKey: number, hours: number): { label: string; requests: TrafficRequest[] } {
  const prompts = promptsOfSize(1024, 512);
  const t0 = Date.UTC(2026, 0, 10);
  const span = hours * 3600_000;
  const requests: TrafficRequest[] = [];
  for (let k = 0; k < keys; k++) {
    for (let j = 0; j < perKey; j++) {
      const i = k * perKey + j;
      requests.push({
        t: t0 + Math.floor(((k + j / perKey) / keys) * span * 0.2 + (j / perKey) * span * 0.8),
        key: `sk-hydra-${k}`,
        path: "/v1/messages",
        body: JSON.parse(bodyFor("anthropic-messages", prompts[i % prompts.length]!)) as unknown,
        ip: `203.0.113.${k % 50}`,
        ua: "Anthropic/Python 0.39.0",
        ja4: JA4,
        asn: 14061,
      });
    }
  }
  requests.sort((a, b) => a.t - b.t);
  return { label: `a hydra of ${keys} keys (${perKey} requests each over ${hours} h)`, requests };
}

interface Mix {
  label: string;
  figures: TrafficFigures;
}

/** Dollars per million requests, by line, from a mix's per-request figures. */
function dollars(f: TrafficFigures): { line: string; perM: number }[] {
  const per = (x: number) => x / f.requests;
  const gbMonths = f.storedBytes / 1024 ** 3;
  // storage is billed per GB-month held: the mix's stored bytes held for the month its requests take at their rate
  const requestsPerMonth = (f.requests / f.seconds) * 30 * 86400;
  return [
    { line: "Workers requests", perM: PRICES.workerRequestsPerM },
    { line: "Workers CPU", perM: f.workerCpuMs * PRICES.workerCpuMsPerM },
    { line: "DO requests", perM: per(f.totalCalls) * PRICES.doRequestsPerM },
    { line: "DO duration", perM: per(f.totalCalls) * (DO_EVENT_MS / 1000) * DO_GB * PRICES.doGbSecondsPerM },
    { line: "rows written", perM: per(f.rowsWritten) * PRICES.rowsWrittenPerM },
    { line: "rows read", perM: per(f.rowsRead) * PRICES.rowsReadPerM },
    { line: "storage", perM: ((gbMonths * PRICES.storagePerGbMonth) / requestsPerMonth) * 1e6 },
  ];
}

export function trafficTables(): Table[] {
  const mixes: Mix[] = [];
  for (const m of [dev(), app(1000, 30), hydra(500, 20, 2)]) {
    const t0 = performance.now();
    mixes.push({ label: m.label, figures: simulateTraffic(m.requests) });
    process.stderr.write(`bench: traffic ${m.label} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }

  const calls = new Table("8. Durable Object calls and storage rows per request, mixed traffic at its own rates", [
    "traffic",
    "objects",
    "DO calls on the response path",
    "DO calls in all",
    "alarms",
    "flushes inside a request",
    "rows written",
    "rows read",
    "busiest object",
    "budget",
  ]);
  for (const [i, m] of mixes.entries()) {
    const f = m.figures;
    const per = (x: number) => (x / f.requests).toFixed(3);
    const rows = f.rowsWritten / f.requests;
    const judged = i === 0;
    calls.row(
      [
        m.label,
        fmt.int(f.objects),
        per(f.criticalCalls),
        per(f.totalCalls),
        per(f.alarms),
        per(f.inlineFlushes),
        per(f.rowsWritten),
        per(f.rowsRead),
        `${fmt.int(f.busiest.perSecond)}/s (${f.busiest.kind})`,
        judged ? "rows written ≤ 0.1" : "",
      ],
      judged ? rows <= 0.1 : undefined,
    );
  }
  calls.note(
    `Per request, on the traffic's own clock (bench/traffic-sim.ts): the edge Worker's real work, the objects' real window updates and the real FlushScheduler ` +
      `(FLUSH_INTERVAL_MS = ${CONFIG.FLUSH_INTERVAL_MS} ms, FP_SHARDS = ${CONFIG.FP_SHARDS}, FP_VERDICT_TTL_S = ${CONFIG.FP_VERDICT_TTL_S}, one isolate's verdict cache), ` +
      `objects evicted after ${EVICT_MS / 1000} s idle. An idle object flushes inside the request (no alarm); a busy one sets one alarm per interval. ` +
      `Rows written follow the objects' flushes: a row per meta, ledger or id list and per dirty epoch. The response path waits for the account's object and, in parallel with it (one round trip), for fingerprints the isolate has no fresh verdict for: ` +
      `the calls above 1.000 in that column are those first asks, made at the same time as the account's.`,
  );

  const cost = new Table(`9. Dollars per million requests on Cloudflare's prices (price list of ${PRICES.listed})`, [
    "traffic",
    ...dollars(mixes[0]!.figures).map((d) => d.line),
    "total per million",
    "per day at the mix's rate",
  ]);
  for (const m of mixes) {
    const d = dollars(m.figures);
    const total = d.reduce((n, x) => n + x.perM, 0);
    const perDay = (total * (m.figures.requests / m.figures.seconds) * 86400) / 1e6;
    cost.row([m.label, ...d.map((x) => `$${x.perM.toFixed(4)}`), `$${total.toFixed(3)}`, `$${perDay.toFixed(2)}`]);
  }
  cost.note(
    `Prices (Workers Paid, above the included amounts; developers.cloudflare.com, pages last updated ${PRICES.listed}): Workers $${PRICES.workerRequestsPerM}/M requests and $${PRICES.workerCpuMsPerM}/M CPU-ms; ` +
      `Durable Objects $${PRICES.doRequestsPerM}/M requests (alarms included) and $${PRICES.doGbSecondsPerM}/M GB-s (128 MB per object); SQLite $${PRICES.rowsReadPerM}/M rows read, $${PRICES.rowsWrittenPerM}/M rows written, $${PRICES.storagePerGbMonth}/GB-month. ` +
      `Computed from table 8's figures; Workers CPU is the core's measured work per request (bench/traffic-sim.ts, Node), without the runtime's own per-request overhead; ` +
      `DO duration assumes ${DO_EVENT_MS} ms of wall time per event (the objects set no timers, so an idle object hibernates and is not billed); storage is each object's epochs as marshalled plus ~12 KB of SQLite pages, held for a month at the mix's rate. The included monthly amounts are not subtracted.`,
  );
  return [calls, cost, paperTable(mixes[0]!.figures)];
}

/** A provider at internet scale, on paper from the dev-like mix's per-request figures. */
function paperTable(f: TrafficFigures): Table {
  const rate = 50_000;
  const keys = 2_000_000;
  const campaign = 25_000;
  const t = new Table("9b. On paper: a provider at 50,000 requests/s, 2 million active keys, a 25,000-key campaign inside", ["figure", "value", "how"]);
  const perKeyGap = keys / rate; // seconds between one key's requests, on average
  const aliveAccounts = Math.min(keys, rate * (EVICT_MS / 1000));
  t.row(["account objects alive at once", fmt.int(aliveAccounts), `keys with a request in the last ${EVICT_MS / 1000} s (each key every ${perKeyGap.toFixed(0)} s on average)`]);
  // the busiest object: the most common client stack's fingerprint shard; SDK defaults make one stack a large share
  for (const share of [0.3, 0.05]) {
    const perShard = (rate * share) / CONFIG.FP_SHARDS;
    t.row([
      `busiest fingerprint shard, a stack with ${Math.round(share * 100)} % of traffic`,
      `${fmt.int(perShard)}/s`,
      `${Math.round(share * 100)} % × ${rate.toLocaleString("en-US")}/s ÷ FP_SHARDS = ${CONFIG.FP_SHARDS}; the per-object limit is ~1,000/s`,
    ]);
  }
  const campaignRate = rate * (campaign / keys);
  t.row(["the campaign's fingerprint shard", `${fmt.int(campaignRate / CONFIG.FP_SHARDS)}/s`, `25,000 of 2 million keys at the average rate, over ${CONFIG.FP_SHARDS} shards`]);
  const perDay = rate * 86400;
  const bytesPerObject = f.storedBytes / f.objects;
  t.row(["storage", `${((keys * bytesPerObject) / 1024 ** 3).toFixed(1)} GB`, `2 million accounts × ${fmt.bytes(bytesPerObject)} per object (table 8's mean), fingerprints besides`]);
  const d = dollars(f);
  const total = d.reduce((n, x) => n + x.perM, 0);
  t.row(["dollars per day", `$${fmt.int((total * perDay) / 1e6)}`, `${(perDay / 1e9).toFixed(2)} billion requests/day × $${total.toFixed(3)} per million (table 9, dev-like mix)`]);
  t.note(
    "What breaks first as traffic grows: the fingerprint shards of the common client stacks. Every inspected request sends its observation to its stack's fingerprint " +
      `(after the answer), so a stack carrying 30 % of 50,000/s puts ${fmt.int((rate * 0.3) / CONFIG.FP_SHARDS)}/s on each of FP_SHARDS = ${CONFIG.FP_SHARDS} shards, past the ~1,000/s an object can take; ` +
      "accounts never come near it (a key is one object, and one key at 1,000/s is throttled by its own rate limit first). What shards it: FP_SHARDS (up to 64, merged exactly on read), " +
      `so FP_SHARDS ≥ share × rate ÷ 500 keeps each shard at half the limit (64 shards hold a 30 % stack up to ~107,000 requests/s). The verdict cache already keeps these shards off the response path.`,
  );
  return t;
}
