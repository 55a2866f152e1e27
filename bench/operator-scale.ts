/**
 * Table 8: what the operator side holds when a fleet is flagged at once: flagged reports and audit
 * entries written through their routers to 1 shard and to more (REGISTRY_SHARDS), all read back
 * through the merged reads. Driven from inside workerd by bench/operator-worker.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG_SPEC } from "../core/config";
import { fmt, Table } from "./report";
import { startBenchWorker, type RunningWorker } from "./workerd";

/** A fleet flagging 10,000 accounts an hour. */
const FLEET_PER_S = 10_000 / 3600;

interface WriteRun {
  kind: "flag" | "audit";
  shards: number;
  n: number;
  ms: number;
  failed: number;
  held: number;
  ordered: boolean;
  readMs: number;
  busiest: number;
}

async function run(t: RunningWorker, kind: "flag" | "audit", shards: number, n: number, concurrency: number, id: number): Promise<WriteRun> {
  const path = `/write?kind=${kind}&shards=${shards}&n=${n}&concurrency=${concurrency}&run=${kind}-${shards}-${id}`;
  const res = await fetch(`http://${t.endpoint.host}:${t.endpoint.port}${path}`, { method: "POST", headers: t.endpoint.headers(path) });
  if (!res.ok) throw new Error(`bench: ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as WriteRun;
}

export async function operatorScaleTable(o: { n: number; concurrency: number; shardCounts: number[] }): Promise<Table> {
  const persist = mkdtempSync(join(tmpdir(), "distill-guard-bench-ops-"));
  const t = await startBenchWorker({ config: "wrangler.toml", entrypoint: "bench/operator-worker.ts", vars: { GUARD_SECRET: "bench-secret-not-for-production" }, persist });
  const table = new Table(`10. Operator side: a fleet flagged at once, ${fmt.int(o.n)} accounts, ${o.concurrency} writes in flight`, [
    "entries",
    "shards",
    "written in",
    "entries/s held",
    "busiest shard's share",
    "listed afterwards",
    "merged read of all",
    "projected, one object per shard",
    "budget",
  ]);
  try {
    let id = 0;
    for (const kind of ["flag", "audit"] as const) {
      let oneObject = NaN;
      for (const shards of o.shardCounts) {
        const r = await run(t, kind, shards, o.n, o.concurrency, id++);
        const rate = r.n / (r.ms / 1000);
        if (shards === 1) oneObject = rate;
        const label = kind === "flag" ? "flagged reports (/flagged)" : "audit entries (/audit.jsonl)";
        const listed = `${fmt.int(r.held)} of ${fmt.int(r.n)}${r.ordered ? ", in order" : ", OUT OF ORDER"}${r.failed ? ` (${r.failed} failed)` : ""}`;
        table.row(
          [
            label,
            shards,
            fmt.ms(r.ms),
            `${fmt.int(rate)}/s`,
            fmt.pct(r.busiest, 1),
            listed,
            fmt.ms(r.readMs),
            `${fmt.int(oneObject / r.busiest)}/s`,
            `all listed, in order; ≥ ${FLEET_PER_S.toFixed(1)}/s`,
          ],
          r.held === r.n && r.ordered && r.failed === 0 && rate >= FLEET_PER_S,
        );
      }
    }
  } finally {
    await t.dispose().catch(() => {});
    rmSync(persist, { recursive: true, force: true });
  }
  table.note(
    `Each entry is a different account, written through the routers the guard objects use (subject hash → shard; audit entries with an idempotency key), ` +
      `${o.concurrency} at a time from a Worker in the same workerd, to fresh objects with SQLite storage on disk; then the whole flagged list ` +
      `(/flagged's fan-out and merge) or the whole log (/audit.jsonl's k-way merge, oldest first) is read back and counted. The budget's floor is a fleet ` +
      `flagging 10,000 accounts an hour. Locally every shard and the writer share one workerd thread, so more shards add parallel storage commits but no ` +
      `CPU, and their commits share one disk; in production each shard is its own object with its own storage and takes only its share of the writes ` +
      `(the busiest shard's column), so the fleet rate held is the rate one object holds (the 1-shard row) over that share: the "projected" column, ` +
      `computed from this run's figures, not measured. REGISTRY_SHARDS defaults to ${CONFIG_SPEC.REGISTRY_SHARDS.default}.`,
  );
  return table;
}
