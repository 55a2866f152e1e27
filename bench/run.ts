/**
 * `npm run bench [-- --only cpu,e2e,do,operators,memory,growth,accuracy,traffic]`: prints the performance
 * tables with their budgets (README, "Performance"), and writes them to out/bench/latest.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpuTable } from "./cpu";
import { hllTable, kmvTable } from "./accuracy";
import { durableObjectTables } from "./durable-object";
import { e2eTables } from "./e2e";
import { growthTable } from "./growth";
import { memoryTable } from "./memory";
import { operatorScaleTable } from "./operator-scale";
import { trafficTables } from "./traffic";
import { summary, type Table } from "./report";

type Step = { name: string; run: () => Promise<Table[]> | Table[] };

const STEPS: Step[] = [
  { name: "cpu", run: () => [cpuTable({ rounds: 15 })] },
  {
    name: "e2e",
    run: () =>
      e2eTables({
        seconds: 4,
        runs: 2,
        keys: Number(process.env.BENCH_KEYS ?? 100),
        streamShare: Number(process.env.BENCH_STREAM ?? 0.35),
        lightConcurrency: 1,
        lightKeys: 10,
        lightStreamShare: 0,
        variants: [
          { label: "guard (SPECULATIVE_UPSTREAM=true, the default)", vars: {}, judged: true },
          { label: "guard, SPECULATIVE_UPSTREAM=false (verdict first)", vars: { SPECULATIVE_UPSTREAM: "false" }, judged: false },
          { label: "guard's Worker alone: objects answer at once, no state", vars: {}, judged: false, entrypoint: "bench/stub-objects-worker.ts" },
        ],
      }),
  },
  { name: "do", run: () => durableObjectTables() },
  { name: "operators", run: async () => [await operatorScaleTable({ n: Number(process.env.BENCH_OPS_N ?? 2000), concurrency: 64, shardCounts: [1, 4, 16] })] },
  { name: "memory", run: () => [memoryTable()] },
  { name: "growth", run: () => [growthTable()] },
  { name: "accuracy", run: () => [hllTable({ trialsAtMillion: 200 }), kmvTable()] },
  { name: "traffic", run: () => trafficTables() },
];

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf("--only");
  const only = i >= 0 ? new Set(argv[i + 1]?.split(",")) : null;
  const out: string[] = [];
  const started = performance.now();
  const tables: Table[] = [];
  for (const step of STEPS) {
    if (only && !only.has(step.name)) continue;
    const t0 = performance.now();
    tables.push(...(await step.run()));
    process.stderr.write(`bench: ${step.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  // in the order (1, 2, 2b, 3, …), whatever order the steps ran in
  tables.sort((a, b) => a.title.localeCompare(b.title, "en", { numeric: true }));
  for (const table of tables) {
    const text = table.render();
    process.stdout.write(text + "\n");
    out.push(text);
  }
  const s = summary();
  process.stdout.write(s);
  out.push(s);
  mkdirSync(join("out", "bench"), { recursive: true });
  writeFileSync(join("out", "bench", "latest.md"), out.join("\n"));
  process.stderr.write(`bench: done in ${((performance.now() - started) / 1000).toFixed(1)} s; tables in out/bench/latest.md\n`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
