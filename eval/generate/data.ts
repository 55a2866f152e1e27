/**
 * Prompt data for the generator: benign prompts (ShareGPT first turns and InstructionWild when the
 * data folder has them, else our own people prompts) and extraction-like ones (Alpaca 5K, self-instruct
 * seed tasks, T0 templates: whichever the folder has). The default folder is the shipped sample
 * `eval/data/` (see its MANIFEST.md); `--data` takes the project's full data in the same layout.
 *
 * The holdout must not be scored on the prompts the dev scenario's campaigns already sent, so texts
 * found in a reference scenario's extraction traffic go to the back of every extraction pool: they are
 * used only once the fresh ones run out, and the summary counts how many were.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { promptText } from "../prompt";
import { parseScenarioLine } from "../scenario";
import { peoplePrompts } from "./people-prompts";
import { Rng } from "../../tools/prng";

export interface PromptRow {
  source: string;
  id: string;
  group: string;
  text: string;
}

export interface PromptData {
  /** people's prompts: ShareGPT first turns and InstructionWild, or `people` when the folder has neither */
  benign: PromptRow[];
  /** our own person-like prompts (always present): the crowd's questions and campaigns' cover chat */
  people: PromptRow[];
  /** the benign files found, for the summary */
  benignSources: string[];
  alpaca: PromptRow[];
  seed: PromptRow[];
  /** T0 prompts by dataset */
  t0: Map<string, PromptRow[]>;
  /** texts the reference scenario's campaigns sent */
  reserved: Set<string>;
}

function readText(path: string): string {
  const bytes = readFileSync(path);
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return new TextDecoder().decode(raw);
}

function readRows(path: string): PromptRow[] {
  const rows: PromptRow[] = [];
  for (const line of readText(path).split("\n")) {
    if (line.trim() === "") continue;
    const value = JSON.parse(line) as { source?: unknown; id?: unknown; group?: unknown; turns?: unknown };
    const turns = Array.isArray(value.turns) ? value.turns : [];
    const text = typeof turns[0] === "string" ? turns[0].trim() : "";
    if (text === "") continue;
    rows.push({
      source: String(value.source ?? "unknown"),
      id: String(value.id ?? rows.length),
      group: typeof value.group === "string" ? value.group : "",
      text,
    });
  }
  return rows;
}

/** Texts of the extraction-labelled requests of a scenario file (the last user turn of each). */
export function readReservedPrompts(scenarioPath: string): Set<string> {
  const reserved = new Set<string>();
  const lines = readText(scenarioPath).split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === "") continue;
    const line = parseScenarioLine(lines[i]!, i + 1);
    if (line.label === "extraction") reserved.add(promptText(line.path, line.body).trim());
  }
  return reserved;
}

/** How many distinct people prompts the pool holds: enough that a crowd of thousands rarely repeats one. */
const PEOPLE_POOL_SIZE = 12_000;

/** The people pool: the same for every seed, so scenarios of one preset share their benign texts' nature. */
function peoplePool(): PromptRow[] {
  return peoplePrompts(new Rng("people-prompts/v1"), PEOPLE_POOL_SIZE).map((text, i) => ({ source: "people", id: `people-${i}`, group: "", text }));
}

export function loadPromptData(dir: string, reserved: Set<string> = new Set()): PromptData {
  if (!existsSync(dir)) throw new Error(`prompt data: ${dir} is missing (set --data)`);
  /** A data file by its name, plain or gzip-compressed; undefined when the folder lacks it. */
  const find = (name: string): string | undefined => [name, `${name}.gz`].map((n) => join(dir, n)).find((p) => existsSync(p));
  // Identical texts count as one prompt everywhere: first occurrence wins.
  const seen = new Set<string>();
  const unique = (rows: PromptRow[]): PromptRow[] =>
    rows.filter((row) => {
      if (seen.has(row.text)) return false;
      seen.add(row.text);
      return true;
    });
  const rowsOf = (name: string): PromptRow[] => {
    const path = find(name);
    return path === undefined ? [] : readRows(path);
  };
  const benignFiles = ["sharegpt_1000.jsonl", "sharegpt_sample.jsonl", "instructionwild.jsonl"].filter((n) => find(n) !== undefined);
  const collected = unique(benignFiles.flatMap(rowsOf));
  const alpaca = unique(rowsOf("alpaca_5k.jsonl"));
  const seed = unique(rowsOf("seed_tasks.jsonl"));
  const t0 = new Map<string, PromptRow[]>();
  const t0Dir = join(dir, "t0");
  if (existsSync(t0Dir)) {
    for (const file of readdirSync(t0Dir).sort()) {
      if (!/\.jsonl(\.gz)?$/.test(file)) continue;
      t0.set(file.replace(/\.jsonl(\.gz)?$/, ""), unique(readRows(join(t0Dir, file))));
    }
  }
  // Last, so the collected files' pools are the same with or without the people pool beside them.
  const people = unique(peoplePool());
  const benign = collected.length > 0 ? collected : people;
  if (alpaca.length + seed.length + [...t0.values()].reduce((n, rows) => n + rows.length, 0) === 0) {
    throw new Error(`prompt data: ${dir} has no extraction-like prompts (alpaca_5k, seed_tasks or t0/)`);
  }
  return { benign, people, benignSources: benignFiles.length > 0 ? benignFiles : ["people"], alpaca, seed, t0, reserved };
}

/**
 * Extraction prompts drawn without replacement across the whole scenario, so a campaign never sends a
 * text twice and campaigns never share one. Fresh texts come first; reserved ones only when needed.
 */
export class ExtractionPool {
  readonly #fresh = new Map<string, PromptRow[]>();
  readonly #reserved = new Map<string, PromptRow[]>();
  readonly #used = new Set<string>();
  reusedReserved = 0;
  taken = 0;
  /** times a campaign asked for a prompt and every pool it draws from was spent */
  ranDry = 0;

  constructor(data: PromptData, rng: Rng) {
    const add = (name: string, rows: PromptRow[]): void => {
      const shuffled = rng.fork(`pool/${name}`).shuffle([...rows]);
      this.#fresh.set(
        name,
        shuffled.filter((r) => !data.reserved.has(r.text)),
      );
      this.#reserved.set(
        name,
        shuffled.filter((r) => data.reserved.has(r.text)),
      );
    };
    add("alpaca", data.alpaca);
    add("seed", data.seed);
    for (const [dataset, rows] of data.t0) add(`t0/${dataset}`, rows);
  }

  /** Pool names: `alpaca`, `seed`, `t0/<dataset>`. */
  names(): string[] {
    return [...this.#fresh.keys()];
  }

  remaining(name: string, includeReserved = true): number {
    return (this.#fresh.get(name)?.length ?? 0) + (includeReserved ? (this.#reserved.get(name)?.length ?? 0) : 0);
  }

  #takeOne(name: string, reserved: boolean): PromptRow | undefined {
    const list = (reserved ? this.#reserved : this.#fresh).get(name);
    while (list && list.length > 0) {
      const row = list.pop() as PromptRow;
      if (this.#used.has(row.text)) continue;
      this.#used.add(row.text);
      this.taken++;
      if (reserved) this.reusedReserved++;
      return row;
    }
    return undefined;
  }

  /** The next unused prompt of a pool, fresh first; undefined when the pool is spent. */
  take(name: string): PromptRow | undefined {
    return this.#takeOne(name, false) ?? this.#takeOne(name, true);
  }

  /**
   * A prompt from one of the named pools, chosen by weight. Fresh texts of any of them come before
   * reserved ones of all of them; undefined when every pool is spent.
   */
  takeFrom(names: readonly string[], rng: Rng, weights?: readonly number[]): PromptRow | undefined {
    for (const reserved of [false, true]) {
      const live = names.map((n, i) => [n, weights?.[i] ?? 1] as const).filter(([n, w]) => w > 0 && (reserved ? this.remaining(n) : this.remaining(n, false)) > 0);
      while (live.length > 0) {
        const i = rng.weightedIndex(live.map(([, w]) => w));
        const row = this.#takeOne(live[i]![0], reserved);
        if (row) return row;
        live.splice(i, 1);
      }
    }
    this.ranDry++;
    return undefined;
  }

  /**
   * The rest of one template's rows (T0 `dataset/template`), for template-by-template sweeps: a
   * template found among fresh rows yields only fresh rows; reserved rows only with `allowReserved`.
   */
  takeGroup(name: string, allowReserved = false): PromptRow[] {
    for (const reserved of allowReserved ? [false, true] : [false]) {
      const first = this.#takeOne(name, reserved);
      if (!first) continue;
      const group = [first];
      const list = (reserved ? this.#reserved : this.#fresh).get(name) ?? [];
      for (let i = list.length - 1; i >= 0; i--) {
        const row = list[i]!;
        if (row.group !== first.group || this.#used.has(row.text)) continue;
        list.splice(i, 1);
        this.#used.add(row.text);
        this.taken++;
        if (reserved) this.reusedReserved++;
        group.push(row);
      }
      return group;
    }
    return [];
  }
}
