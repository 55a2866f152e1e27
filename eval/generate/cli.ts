/**
 * `npm run scenario -- --out FILE.jsonl.gz [--seed S] [--scale X] [--preset NAME] [--data DIR]`
 *
 * Writes a traffic scenario in the scenario format (eval/scenario.ts), and `FILE.summary.json` beside it.
 */
import { createWriteStream, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createGzip } from "node:zlib";
import { UsageError, numberFlag, parseArgs, stringFlag, switchFlag } from "../args";
import type { ScenarioLine } from "../scenario";
import { DEFAULT_DATA_DIR, generateScenario } from "./generate";
import { PRESETS } from "./presets";

const USAGE = `usage: npm run scenario -- [--out FILE.jsonl.gz] [options]

  --out FILE        where to write (.jsonl or .jsonl.gz; default out/scenarios/<preset>.jsonl.gz)
  --preset NAME     ${Object.values(PRESETS)
    .map((p) => `${p.name}: ${p.description}`)
    .join("\n                    ")}
                    (default holdout)
  --seed S          random seed (default: the preset's)
  --scale X         multiply actor counts and campaign sizes (default 1)
  --data DIR        prompt data (default the shipped sample ${DEFAULT_DATA_DIR};
                    a folder in the layout eval/data/MANIFEST.md describes, with more sources)
  --reference FILE  scenario whose campaign prompts to avoid (default none)
  --start ISO       period start (default: the preset's)
  --days N          period length in days (default: the preset's)
`;

const SPEC = {
  out: { value: true },
  preset: { value: true },
  seed: { value: true },
  scale: { value: true },
  data: { value: true },
  reference: { value: true },
  start: { value: true },
  days: { value: true },
  help: { value: false },
};

function summaryPath(out: string): string {
  return out.replace(/\.gz$/, "").replace(/\.jsonl?$/, "") + ".summary.json";
}

async function writeLines(path: string, lines: readonly ScenarioLine[]): Promise<{ uncompressed: number; written: number }> {
  const file = createWriteStream(path);
  const sink = path.endsWith(".gz") ? createGzip({ level: 9 }) : undefined;
  if (sink) sink.pipe(file);
  const target = sink ?? file;
  const done = new Promise<void>((ok, fail) => {
    file.once("finish", ok);
    file.once("error", fail);
  });
  const encoder = new TextEncoder();
  let uncompressed = 0;
  for (const line of lines) {
    const bytes = encoder.encode(`${JSON.stringify(line)}\n`);
    uncompressed += bytes.byteLength;
    if (!target.write(bytes)) await new Promise<void>((drained) => target.once("drain", drained));
  }
  target.end();
  await done;
  return { uncompressed, written: statSync(path).size };
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, SPEC);
  if (switchFlag(args, "help")) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  const presetName = stringFlag(args, "preset") ?? "holdout";
  const preset = PRESETS[presetName];
  if (!preset) throw new UsageError(`unknown preset ${presetName} (have: ${Object.keys(PRESETS).join(", ")})`);
  const out = resolve(stringFlag(args, "out") ?? join("out", "scenarios", `${preset.name}.jsonl.gz`));
  const referenceFlag = stringFlag(args, "reference");
  const daysFlag = stringFlag(args, "days");

  const started = Date.now();
  const { lines, summary } = generateScenario({
    preset,
    seed: stringFlag(args, "seed"),
    scale: numberFlag(args, "scale", 1, (n) => Number.isFinite(n) && n > 0 && n <= 50),
    dataDir: resolve(stringFlag(args, "data") ?? DEFAULT_DATA_DIR),
    reference: referenceFlag === undefined ? undefined : referenceFlag === "none" ? null : resolve(referenceFlag),
    start: stringFlag(args, "start"),
    days: daysFlag === undefined ? undefined : numberFlag(args, "days", preset.days, (n) => Number.isInteger(n) && n >= 1 && n <= 366),
  });
  mkdirSync(dirname(out), { recursive: true });
  summary.bytes = await writeLines(out, lines);
  writeFileSync(summaryPath(out), `${JSON.stringify(summary, null, 1)}\n`);

  const kinds = Object.entries(summary.byActorType)
    .map(([k, c]) => `${k} ${c.requests}`)
    .join(", ");
  process.stdout.write(
    `Wrote ${out}: ${summary.requests.toLocaleString("en-US")} requests from ${summary.accounts} keys ` +
      `(${kinds}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
      `Campaign prompts: ${summary.prompts.extractionDrawn} drawn, ${summary.prompts.fromReference} already used by the reference scenario\n` +
      (summary.prompts.ranDry > 0 ? `Warning: the prompt data ran out; campaigns stopped early (${summary.prompts.ranDry} times). Use a larger --data or a smaller --scale.\n` : "") +
      `Summary: ${summaryPath(out)}\n`,
  );
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`scenario: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`scenario: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
