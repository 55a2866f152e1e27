/**
 * Table 3 (one AccountGuard under load, storage on disk) and table 7 (a hot fingerprint), both driven
 * from inside workerd by bench/do-worker.ts over RPC to the real Durable Object classes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG } from "./sim";
import { fmt, Table } from "./report";
import { startBenchWorker, type RunningWorker } from "./workerd";
import { nowMs } from "../tools/clock";
import { FINGERPRINT_SCHEMA } from "../durable-objects/schemas";

const OBS_BUDGET = 2000;
const ROWS_BUDGET = 0.05;

async function call<T>(t: RunningWorker, path: string): Promise<T> {
  const res = await fetch(`http://${t.endpoint.host}:${t.endpoint.port}${path}`, { method: "POST", headers: t.endpoint.headers(path) });
  if (!res.ok) throw new Error(`bench: ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AccountRun {
  n: number;
  ms: number;
}

interface AccountViewOut {
  requests: number;
  storage: { bytesInMemory: number; rowsWritten: number; alarmsSet: number; inlineFlushes: number };
}

async function accountTable(t: RunningWorker): Promise<Table> {
  const table = new Table("3. One Durable Object under load (AccountGuard, SQLite storage on disk)", [
    "RPCs in flight",
    "observations",
    "observations/s",
    "storage rows written",
    "rows per request",
    "budget",
  ]);
  let k = 0;
  for (const concurrency of [16, 1]) {
    const name = `bench-account-${concurrency}-${k++}`;
    const n = concurrency === 1 ? 4000 : 20_000;
    const t0 = nowMs();
    const run = await call<AccountRun>(t, `/account?name=${name}&n=${n}&concurrency=${concurrency}`);
    const wall = nowMs() - t0;
    // the flush alarm for the tail of the run
    await sleep(CONFIG.FLUSH_INTERVAL_MS + 500);
    const view = await call<AccountViewOut>(t, `/account/view?name=${name}`);
    const rate = run.n / (wall / 1000);
    const perRequest = view.storage.rowsWritten / view.requests;
    const budget = concurrency === 16 ? `≥ ${fmt.int(OBS_BUDGET)}/s, ≤ ${ROWS_BUDGET} rows/request` : "";
    const pass = concurrency === 16 ? rate >= OBS_BUDGET && perRequest <= ROWS_BUDGET : undefined;
    table.row([concurrency, fmt.int(view.requests), fmt.int(rate), fmt.int(view.storage.rowsWritten), perRequest.toFixed(4), budget], pass);
  }
  table.note(
    `Observations are sweep requests (every prompt new, a dozen shingles each) sent over RPC from a Worker in the same workerd; the object applies the limits, ` +
      `updates its window, assesses and answers each one. It writes on its flush alarm (FLUSH_INTERVAL_MS = ${CONFIG.FLUSH_INTERVAL_MS} ms) and when its verdict changes; ` +
      `rows are counted by AccountGuard.view() (storage.rowsWritten), the final flush included. With one RPC in flight the rate is bound by the round trip, not the object.`,
  );
  return table;
}

interface HotRun {
  offered: number;
  ms: number;
  perShard: number[];
  perSecond: number[][];
  failed: number;
  accounts: number;
  reference: { accounts: number; prompts: number };
}

interface ShardView {
  shard: number;
  requests: number;
  accounts: number;
  prompts: number;
}

async function hotkeyTables(t: RunningWorker): Promise<Table[]> {
  const shards = CONFIG.FP_SHARDS;
  const rate = 5000;
  const seconds = 4;
  const run = await call<HotRun>(t, `/hotkey?rate=${rate}&seconds=${seconds}&shards=${shards}&accounts=50000`);
  // every shard's flush alarm runs once more and exchanges its union with shard 0
  await sleep(2 * CONFIG.FLUSH_INTERVAL_MS + 1000);
  const views = await call<ShardView[]>(t, `/hotkey/merged?shards=${shards}`);
  const table = new Table(`7. Hot key: one fingerprint shared by ${fmt.int(run.accounts)} accounts, ${fmt.int(rate)} requests/s offered, FP_SHARDS = ${shards}`, [
    "object",
    "share of the traffic",
    "observations (measured run)",
    "busiest second (measured)",
    "at 5,000/s offered",
    "budget",
  ]);
  const secs = run.ms / 1000;
  const total = run.perShard.reduce((a, b) => a + b, 0);
  table.row(["all shards", "100 %", `${fmt.int(total)} in ${secs.toFixed(1)} s (${run.failed} failed)`, "", `${fmt.int(rate)}/s`, ""]);
  for (let s = 0; s < shards; s++) {
    const share = run.perShard[s]! / total;
    const peak = Math.max(0, ...run.perSecond[s]!.filter((x) => x !== null && x !== undefined));
    table.row(
      [`shard ${s}`, fmt.pct(share, 1), fmt.int(run.perShard[s]!), `${fmt.int(peak)}/s`, `${fmt.int(share * rate)}/s`, `≤ ${fmt.int(OBS_BUDGET)}/s`],
      share * rate <= OBS_BUDGET && peak <= OBS_BUDGET && run.failed === 0,
    );
  }
  table.row(["unsharded (FP_SHARDS = 1), for comparison", "100 %", "", "", `${fmt.int(rate)}/s`, `≤ ${fmt.int(OBS_BUDGET)}/s`]);
  const merged = views[0]!;
  const est = new Table("7b. Hot key: merged estimate against one unsharded sketch", ["figure", "merged (shard 0)", "unsharded", "true", "difference", "budget (the sketch's error)"]);
  for (const [label, got, want, truth, p] of [
    ["distinct accounts", merged.accounts, run.reference.accounts, run.accounts, FINGERPRINT_SCHEMA.sketches.accounts],
    ["distinct prompts", merged.prompts, run.reference.prompts, run.offered, FINGERPRINT_SCHEMA.sketches.prompts],
  ] as const) {
    const diff = Math.abs(got - want) / want;
    const error = 1.04 / Math.sqrt(1 << p);
    est.row([label, fmt.int(got), fmt.int(want), fmt.int(truth), fmt.pct(diff), `≤ ${fmt.pct(error)} (1.04/√m, p = ${p})`], diff <= error);
  }
  est.note(
    `The unsharded reference is one sketch of every account and prompt offered; the merged figure is what shard 0 reports after the shards' flush alarms ` +
      `exchanged their window unions. A HyperLogLog union is lossless, so the two agree exactly once every shard has reported. The same equality, ` +
      `through the merge code and through the real objects, is in npm test (test/unit/sharded-merge.test.ts, test/durable-objects/sharded-merge.test.ts).`,
  );
  table.note(
    `Observations are offered on a clock from a Worker in the same workerd and routed as worker/decide.ts routes them (shard = account hash mod FP_SHARDS). ` +
      `Locally every shard and the generator share one workerd thread, which took ${fmt.int(total / secs)}/s in all; in production each shard is its own object, so a ` +
      `shard receives its share of what is offered: the "at 5,000/s" column, checked against the per-object budget of table 3 (${fmt.int(OBS_BUDGET)}/s).`,
  );
  return [table, est];
}

export async function durableObjectTables(): Promise<Table[]> {
  const persist = mkdtempSync(join(tmpdir(), "distill-guard-bench-do-"));
  const t = await startBenchWorker({ config: "wrangler.toml", entrypoint: "bench/do-worker.ts", vars: { GUARD_SECRET: "bench-secret-not-for-production" }, persist });
  try {
    return [await accountTable(t), ...(await hotkeyTables(t))];
  } finally {
    await t.dispose().catch(() => {});
    rmSync(persist, { recursive: true, force: true });
  }
}
