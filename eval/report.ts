/**
 * Printing: the text tables for people and `summary.json` for machines. Formatting only; every figure
 * comes from `metrics.ts`.
 */
import type { BenignGroup, CampaignMetrics, LatencySummary, Metrics, TargetCheck } from "./metrics";
import { LEAKAGE_TARGETS, ratio } from "./metrics";

export interface RunStats {
  scenario: string;
  requests: number;
  keys: number;
  startupSeconds: number;
  wallSeconds: number;
  requestsPerSecond: number;
  /** wall-clock time from sending a request to reading the last byte of its answer */
  latencyMs: LatencySummary;
  /** CPU of the whole workerd process per request (Miniflare's entry worker, the Worker, its Durable Objects) */
  workerdCpuMsPerRequest?: number;
  /** CPU of this Node process (reading, scheduling, HTTP client, scoring) per request */
  evalCpuMsPerRequest: number;
  route: "direct" | "proxy";
  /** what answered allowed requests */
  upstream: string;
  concurrency: number;
  windowMs: number;
  vars: Record<string, string>;
}

export interface Summary {
  run: RunStats;
  metrics: Metrics;
  targets: TargetCheck[];
  targetsPassed: number;
  targetsTotal: number;
}

export function buildSummary(run: RunStats, metrics: Metrics, targets: TargetCheck[]): Summary {
  return { run, metrics, targets, targetsPassed: targets.filter((t) => t.pass).length, targetsTotal: targets.length };
}

const pct = (x: number, digits = 2): string => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : "n/a");
const int = (n: number): string => n.toLocaleString("en-US");
const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)} ms` : "n/a");
const countPct = (n: number, of: number): string => `${int(n)} (${pct(ratio(n, of))})`;

/** A plain-text table; numeric-looking cells are right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = (cell: string): boolean => /^[-+]?[\d,.]+(%| ms)?( \(.*\))?$|^n\/a$|^—$/.test(cell);
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i > 0 && numeric(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function benignRow(name: string, g: BenignGroup): string[] {
  return [
    name,
    int(g.accounts),
    countPct(g.accountsBlocked, g.accounts),
    countPct(g.accountsThrottledForExtraction, g.accounts),
    countPct(g.accountsThrottled, g.accounts),
    int(g.requests),
    countPct(g.requestsRefused, g.requests),
    int(g.requestsOther),
  ];
}

function campaignRow(c: CampaignMetrics): string[] {
  const target = LEAKAGE_TARGETS[c.type];
  return [
    c.actor,
    int(c.keys),
    int(c.requests),
    `${int(c.served)}/${int(c.throttled)}/${int(c.blocked)}${c.other > 0 ? `/${int(c.other)}` : ""}`,
    `${pct(c.leakage)} (${int(c.promptsServed)}/${int(c.promptsSent)})`,
    target === undefined ? "—" : pct(target, 0),
    c.firstBlock === null ? `${int(c.servedBeforeFirstBlock)} (never)` : int(c.servedBeforeFirstBlock),
    countPct(c.keysBlockedBeforeEnd, c.keys),
    countPct(c.keysThrottledOrBlocked, c.keys),
  ];
}

function targetLine(t: TargetCheck): string {
  const show = (x: number): string => (t.unit === "share" ? pct(x) : int(x));
  return `${t.pass ? "PASS" : "FAIL"}  ${t.description}: ${show(t.actual)} (target ${t.comparison} ${show(t.limit)})`;
}

export function formatReport(summary: Summary): string {
  const { run, metrics: m, targets } = summary;
  const out: string[] = [];
  out.push(`Scenario ${run.scenario}: ${int(run.requests)} requests from ${int(run.keys)} keys`);
  out.push(
    `Replay: ${run.wallSeconds.toFixed(1)} s wall clock = ${run.requestsPerSecond.toFixed(0)} requests/s ` +
      `(concurrency ${run.concurrency}, look-ahead ${run.windowMs / 1000} s of scenario time, ${run.route} to the user worker; ` +
      `start-up ${run.startupSeconds.toFixed(1)} s not included)`,
  );
  out.push(`Latency per request, wall clock, send to last byte: p50 ${ms(run.latencyMs.p50)}, p90 ${ms(run.latencyMs.p90)}, ` + `p99 ${ms(run.latencyMs.p99)}, max ${ms(run.latencyMs.max)}`);
  out.push(
    run.workerdCpuMsPerRequest === undefined
      ? "workerd CPU per request: not measured (needs Linux /proc)"
      : `workerd CPU per request: ${ms(run.workerdCpuMsPerRequest)} (the whole workerd process: Miniflare's entry worker, the ` +
          `guard Worker and its Durable Objects${run.upstream === "guard's built-in mock" ? ", the built-in mock upstream" : ""}; ` +
          `an upper bound on the guard's own CPU, not a measure of it alone)`,
  );
  out.push(`Eval tool CPU per request: ${ms(run.evalCpuMsPerRequest)} (this Node process)`);
  out.push(`Upstream: ${run.upstream}`);
  if (Object.keys(run.vars).length > 0) {
    out.push(
      `Vars: ${Object.entries(run.vars)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
    );
  }
  const statuses = Object.entries(m.byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([s, n]) => `${s === "0" ? "no answer" : s}: ${int(n)}`)
    .join(", ");
  out.push(`Statuses: ${statuses}`);
  const causes = Object.entries(m.byCause)
    .sort(([, a], [, b]) => b - a)
    .map(([c, n]) => `${c}: ${int(n)}`)
    .join(", ");
  out.push(`Causes: ${causes}`);
  if (m.refusalsWithoutDebug > 0) {
    out.push(
      `NOTE: ${int(m.refusalsWithoutDebug)} refusals came without an x-guard-debug header; their cause is unknown, so ` + `"throttled for extraction" cannot count them (is GUARD_TEST_MODE honoured?)`,
    );
  }

  out.push("", "Benign accounts (ever, over the whole replay)");
  const kinds = Object.keys(m.benign.byKind).sort();
  out.push(
    table(
      ["kind", "accounts", "blocked", "throttled: extraction", "throttled: any", "requests", "requests refused", "other status"],
      [benignRow("all", m.benign.overall), ...kinds.map((k) => benignRow(k, m.benign.byKind[k]!))],
    ),
  );

  out.push("", "Extraction campaigns (leakage = distinct prompts served / sent; a prompt = text of the last user turn)");
  out.push(
    table(["campaign", "keys", "requests", "served/429/403", "leakage", "target", "served before 1st block", "keys blocked before end", "keys throttled or blocked"], m.campaigns.map(campaignRow)),
  );

  out.push("", "Targets");
  for (const t of targets) out.push(targetLine(t));
  out.push(`${summary.targetsPassed}/${summary.targetsTotal} targets pass`);
  return out.join("\n");
}
