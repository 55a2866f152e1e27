/**
 * Builds a whole scenario in memory: every actor's requests, in time order, with its summary.
 * Deterministic given the seed, scale, preset and input files.
 */
import { resolve } from "node:path";
import type { ScenarioLine } from "../scenario";
import { generateApp, generateBatch, generatePowerUser, generateUser } from "./benign";
import { generateCampaign } from "./campaigns";
import { generateSdkUser } from "./crowd";
import type { CampaignInfo } from "./campaigns";
import { DAY, Scenario } from "./context";
import { ExtractionPool, loadPromptData, readReservedPrompts } from "./data";
import { AddressSpace } from "./network";
import { APP_PERSONAS, BATCH_TEMPLATES } from "./phrases";
import type { Preset } from "./presets";
import { Rng } from "../../tools/prng";
import { summarise } from "./summary";
import type { ScenarioSummary } from "./summary";

/** The shipped sample (eval/data/MANIFEST.md), from the repository root where npm scripts and vitest run. */
export const DEFAULT_DATA_DIR = resolve("eval/data");
/** The dev scenario: its campaigns' prompts are kept out of generated campaigns while fresh ones last. */

export interface GenerateOptions {
  preset: Preset;
  /** defaults to the preset's seed */
  seed?: string;
  /** multiplies actor counts, campaign keys and heavy campaigns' sizes */
  scale?: number;
  dataDir?: string;
  /** a scenario whose extraction prompts to avoid; null for none */
  reference?: string | null;
  /** period start (ISO) and length, overriding the preset's */
  start?: string;
  days?: number;
}

export interface Generated {
  lines: ScenarioLine[];
  summary: ScenarioSummary;
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

export function generateScenario(options: GenerateOptions): Generated {
  const { preset } = options;
  const seed = options.seed ?? preset.seed;
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new RangeError("scale must be positive");
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const reference = options.reference ?? null;
  const start = Date.parse(options.start ?? preset.start);
  if (Number.isNaN(start)) throw new RangeError(`bad start ${options.start ?? preset.start}`);
  const days = options.days ?? preset.days;
  if (!Number.isInteger(days) || days < 1) throw new RangeError("days must be a positive integer");

  const rng = new Rng(seed);
  const data = loadPromptData(dataDir, reference === null ? new Set() : readReservedPrompts(reference));
  const pool = new ExtractionPool(data, rng.fork("pool"));
  const s = new Scenario(rng, start, start + days * DAY, scale, data, pool, new AddressSpace(rng.fork("net")));

  // A kind the preset leaves out (0) stays out at any scale.
  const count = (base: number | undefined): number => (base === undefined || base === 0 ? 0 : s.count(base));
  for (let i = 1; i <= count(preset.users); i++) generateUser(s, `user-${pad(i, 4)}`);
  for (let i = 1; i <= count(preset.power); i++) generatePowerUser(s, `power-${pad(i, 2)}`);
  const personas = rng.fork("apps").shuffle(APP_PERSONAS.map((_, i) => i));
  for (let i = 1; i <= count(preset.apps); i++) generateApp(s, `app-${pad(i, 2)}`, personas[(i - 1) % personas.length]!);
  const templates = rng.fork("batch").shuffle(BATCH_TEMPLATES.map((_, i) => i));
  for (let i = 1; i <= count(preset.batch); i++) generateBatch(s, `batch-${pad(i, 2)}`, templates[(i - 1) % templates.length]!);
  for (let i = 1; i <= count(preset.sdkusers); i++) generateSdkUser(s, `sdkuser-${pad(i, 5)}`);

  const campaigns: CampaignInfo[] = [];
  const perType = new Map<string, number>();
  for (const spec of preset.campaigns) {
    const n = (perType.get(spec.type) ?? 0) + 1;
    perType.set(spec.type, n);
    campaigns.push(generateCampaign(s, `campaign-${spec.type}-${n}`, spec));
  }

  // Time order; equal times keep the order they were generated in, so the file is reproducible.
  s.lines.sort((a, b) => a.line.t - b.line.t || a.seq - b.seq);
  const lines = s.lines.map((e) => e.line);
  const summary = summarise(lines, {
    preset: preset.name,
    seed,
    scale,
    start: s.start,
    end: s.end,
    campaigns,
    extractionDrawn: pool.taken,
    fromReference: pool.reusedReserved,
    ranDry: pool.ranDry,
    reference,
    data: dataDir,
    benignSources: data.benignSources,
  });
  return { lines, summary };
}
