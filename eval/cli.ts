/**
 * `npm run eval -- <scenario.jsonl[.gz]> [--var KEY=VALUE ...] [--out DIR] [--limit N] [--concurrency C]`
 *
 * Replays a scenario through the real guard in workerd and scores its verdicts against ground truth.
 */
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { UsageError, numberFlag, parseArgs, stringFlag, switchFlag } from "./args";
import { nowMs } from "../tools/clock";
import { GuardClient } from "./http";
import type { GuardAnswer } from "./http";
import { checkTargets, computeMetrics, summariseLatency } from "./metrics";
import type { Verdict } from "./metrics";
import { DEFAULT_SCHEDULER, schedule } from "./replay";
import { buildSummary, formatReport } from "./report";
import type { RunStats } from "./report";
import { readScenario } from "./scenario";
import { startFastUpstream } from "./upstream";
import type { FastUpstream } from "./upstream";
import { shortHash, toVerdict } from "./verdict";
import { WorkerStartError, startWorker } from "../tools/launcher";
import { cpuSeconds } from "../tools/procfs";

const USAGE = `usage: npm run eval -- <scenario.jsonl[.gz]> [options]

  --var KEY=VALUE      override a binding (repeatable), e.g. --var GUARD_MODE=shadow
  --out DIR            output directory (default out/eval/<scenario name>)
  --limit N            replay only the first N requests
  --concurrency C      requests in flight at most (default ${DEFAULT_SCHEDULER.concurrency})
  --window-ms MS       look-ahead in scenario time (default ${DEFAULT_SCHEDULER.windowMs})
  --config FILE        wrangler config (default wrangler.toml)
  --builtin-mock       let the guard's built-in mock upstream answer (paces streams: slow) instead of
                       the eval's instant loopback upstream
  --via-proxy          send through wrangler dev's proxy worker (slower; for comparison)
  --plain-keys         write API keys in verdicts.jsonl instead of their hashes
  --verbose            show wrangler's and the Worker's logs
`;

const SPEC = {
  var: { value: true, repeat: true },
  out: { value: true },
  limit: { value: true },
  concurrency: { value: true },
  "window-ms": { value: true },
  config: { value: true },
  "via-proxy": { value: false },
  "builtin-mock": { value: false },
  "plain-keys": { value: false },
  verbose: { value: false },
  help: { value: false },
};

class ReplayAborted extends Error {}

/** Consecutive requests without an answer after which the guard is taken to be down. */
const MAX_CONSECUTIVE_FAILURES = 50;

function scenarioName(path: string): string {
  return basename(path)
    .replace(/\.gz$/, "")
    .replace(/\.jsonl?$/, "");
}

function parseVars(values: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const entry of values) {
    // `KEY:VALUE` is accepted too, as `wrangler dev --var` spells it.
    const match = /^([A-Za-z_][A-Za-z0-9_]*)[=:](.*)$/s.exec(entry);
    if (!match) throw new UsageError(`--var ${JSON.stringify(entry)}: expected KEY=VALUE`);
    vars[match[1]!] = match[2]!;
  }
  return vars;
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, SPEC);
  if (switchFlag(args, "help")) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.positional.length !== 1) throw new UsageError("give exactly one scenario file");
  const scenario = resolve(args.positional[0]!);
  if (!existsSync(scenario)) throw new UsageError(`no such file: ${scenario}`);
  const name = scenarioName(scenario);
  const outDir = resolve(stringFlag(args, "out") ?? join("out", "eval", name));
  const limitFlag = stringFlag(args, "limit");
  const limit = limitFlag === undefined ? undefined : numberFlag(args, "limit", 0, (n) => Number.isSafeInteger(n) && n > 0);
  const concurrency = numberFlag(args, "concurrency", DEFAULT_SCHEDULER.concurrency, (n) => Number.isSafeInteger(n) && n >= 1 && n <= 1024);
  const windowMs = numberFlag(args, "window-ms", DEFAULT_SCHEDULER.windowMs, (n) => Number.isFinite(n) && n >= 0);
  const vars = parseVars(args.flags.get("var") ?? []);
  const plainKeys = switchFlag(args, "plain-keys");
  const verbose = switchFlag(args, "verbose");
  mkdirSync(outDir, { recursive: true });

  const startup = nowMs();
  let upstream: FastUpstream | undefined;
  if (vars.UPSTREAM_URL === undefined && !switchFlag(args, "builtin-mock")) {
    upstream = await startFastUpstream();
    vars.UPSTREAM_URL = upstream.url;
  }
  // The real guard in workerd with the same bundling and bindings as `wrangler dev`, without persistence.
  const guard = await startWorker({
    config: resolve(stringFlag(args, "config") ?? "wrangler.toml"),
    vars: { GUARD_TEST_MODE: "true", ...vars },
    secrets: { GUARD_SECRET: "eval-secret-not-for-production", ADMIN_TOKEN: "eval-admin-token" },
    persist: false,
    route: switchFlag(args, "via-proxy") ? "proxy" : "direct",
    logLevel: verbose ? "log" : "warn",
  });
  const startupSeconds = (nowMs() - startup) / 1000;
  const client = new GuardClient(guard.endpoint, concurrency);

  const keyIds = new Map<string, string>();
  const keyId = (key: string): string => {
    let id = keyIds.get(key);
    if (id === undefined) {
      id = plainKeys ? key : shortHash(`key:${key}`);
      keyIds.set(key, id);
    }
    return id;
  };

  const verdicts: Verdict[] = [];
  const latencies: number[] = [];
  let consecutiveFailures = 0;
  const pids = guard.pids;
  const cpuBefore = cpuSeconds(pids);
  const evalCpuBefore = process.cpuUsage();
  const started = nowMs();
  let lastProgress = started;
  const progress = (final: boolean): void => {
    const now = nowMs();
    if (!final && now - lastProgress < 5000) return;
    lastProgress = now;
    const rate = verdicts.length / ((now - started) / 1000);
    process.stderr.write(`eval: ${verdicts.length.toLocaleString("en-US")} requests, ${rate.toFixed(0)}/s\n`);
  };

  try {
    await schedule(
      readScenario(scenario, { limit }),
      (line) => client.send(line),
      (line, answer: GuardAnswer) => {
        verdicts.push(toVerdict(line, answer, keyId));
        latencies.push(answer.latencyMs);
        consecutiveFailures = answer.status === 0 ? consecutiveFailures + 1 : 0;
        if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
          throw new ReplayAborted(`${MAX_CONSECUTIVE_FAILURES} requests in a row got no answer (last: ${answer.error ?? "?"}); is the Worker up?`);
        }
        progress(false);
      },
      { ...DEFAULT_SCHEDULER, concurrency, windowMs },
    );
  } catch (error) {
    client.close();
    await guard.dispose();
    await upstream?.close();
    throw error;
  }
  const wallSeconds = (nowMs() - started) / 1000;
  const cpuAfter = cpuSeconds(pids);
  const evalCpu = process.cpuUsage(evalCpuBefore);
  progress(true);
  client.close();
  await guard.dispose();
  await upstream?.close();

  const n = verdicts.length;
  const run: RunStats = {
    scenario,
    requests: n,
    keys: keyIds.size,
    startupSeconds,
    wallSeconds,
    requestsPerSecond: n / wallSeconds,
    latencyMs: summariseLatency(latencies),
    evalCpuMsPerRequest: n === 0 ? Number.NaN : (evalCpu.user + evalCpu.system) / 1000 / n,
    route: guard.route,
    upstream: upstream ? "eval loopback (instant)" : vars.UPSTREAM_URL === undefined ? "guard's built-in mock" : vars.UPSTREAM_URL,
    concurrency,
    windowMs,
    vars,
  };
  if (cpuBefore !== undefined && cpuAfter !== undefined && n > 0) run.workerdCpuMsPerRequest = ((cpuAfter - cpuBefore) * 1000) / n;

  const metrics = computeMetrics(verdicts);
  const summary = buildSummary(run, metrics, checkTargets(metrics));

  verdicts.sort((a, b) => a.index - b.index);
  const file = createWriteStream(join(outDir, "verdicts.jsonl"));
  const finished = new Promise<void>((done, fail) => {
    file.once("finish", done);
    file.once("error", fail);
  });
  for (const v of verdicts) {
    if (!file.write(`${JSON.stringify(v)}\n`)) await new Promise<void>((drained) => file.once("drain", drained));
  }
  file.end();
  await finished;
  writeFileSync(join(outDir, "summary.json"), `${JSON.stringify(summary, null, 1)}\n`);

  process.stdout.write(`${formatReport(summary)}\n\nWrote ${join(outDir, "summary.json")} and verdicts.jsonl\n`);
}

main(process.argv.slice(2)).then(
  // wrangler leaves handles open (file watchers, the dev registry); the work is done.
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`eval: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const expected = error instanceof WorkerStartError || error instanceof ReplayAborted;
    process.stderr.write(`eval: ${error instanceof Error ? (expected ? error.message : (error.stack ?? error.message)) : String(error)}\n`);
    process.exit(1);
  },
);
