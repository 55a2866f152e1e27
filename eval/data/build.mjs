// Rebuilds this folder's sample from the project's full prompt data (the layout MANIFEST.md describes,
// see MANIFEST.md): the self-instruct seed tasks whole, and from every T0 dataset every template
// with the first distinct rows of each, as many as a per-dataset text budget allows. Only sources
// whose licence allows shipping in an Apache-2.0 repository are read.
//
//   node eval/data/build.mjs SOURCE_DIR
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const source = process.argv[2];
if (!source) throw new Error("usage: node eval/data/build.mjs SOURCE_DIR");
const here = dirname(fileURLToPath(import.meta.url));
/** characters of prompt text kept per T0 dataset */
const TEXT_BUDGET = 300_000;
/** rows kept per template at least, however long its texts */
const MIN_PER_TEMPLATE = 8;
const MAX_PER_TEMPLATE = 200;

const read = (path) => {
  const bytes = readFileSync(path);
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return text.toString("utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
};
const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

const seed = read(join(source, "seed_tasks.jsonl"));
writeFileSync(join(here, "seed_tasks.jsonl.gz"), gzipSync(jsonl(seed), { level: 9 }));

mkdirSync(join(here, "t0"), { recursive: true });
const report = [];
for (const file of readdirSync(join(source, "t0")).sort()) {
  if (!file.endsWith(".jsonl.gz")) continue;
  const groups = new Map();
  for (const row of read(join(source, "t0", file))) {
    const text = row.turns[0].trim();
    if (!groups.has(row.group)) groups.set(row.group, { seen: new Set(), rows: [] });
    const g = groups.get(row.group);
    if (g.seen.has(text)) continue;
    g.seen.add(text);
    g.rows.push(row);
  }
  const all = [...groups.values()].flatMap((g) => g.rows);
  const meanLength = all.reduce((n, r) => n + r.turns[0].length, 0) / all.length;
  const perTemplate = Math.max(MIN_PER_TEMPLATE, Math.min(MAX_PER_TEMPLATE, Math.floor(TEXT_BUDGET / meanLength / groups.size)));
  const kept = [...groups.values()].flatMap((g) => g.rows.slice(0, perTemplate));
  const bytes = gzipSync(jsonl(kept), { level: 9 });
  writeFileSync(join(here, "t0", file), bytes);
  report.push(`${file}\t${groups.size} templates\t${perTemplate}/template\t${kept.length} rows\t${bytes.length} bytes`);
}
console.log(`seed_tasks: ${seed.length} rows\n${report.join("\n")}`);
