/**
 * Table 1: CPU per request in the core, against JSON.parse of the same body.
 *
 * Per body: JSON.parse → parseBody → extractFeatures and the request's other hashes → the account
 * window's sketch updates (what guard.ts and AccountGuard.record do, without I/O). "Own work" is that
 * minus JSON.parse of the same text, which every proxy that reads the body pays anyway. Batches of
 * the two are interleaved and the median batch is taken, so drift on a busy machine hits both alike.
 * Every prompt in a round is new to the round's window, as in a sweep.
 */
import { MAX_FEATURE_CHARS } from "../core/features";
import { hashKeyFromWords } from "../core/hash";
import { accountWindow, edgeWork, facts, record } from "./sim";
import { BODY_FORMATS, bodyFor, promptsOfSize, type BodyFormat } from "./data";
import { cpuMs, fmt, median, Table } from "./report";

const KEY = hashKeyFromWords(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344);
const NOW = Date.UTC(2026, 0, 10);

interface Case {
  label: string;
  bytes: number;
  count: number;
  /** budget of the own work: absolute ms, or a multiple of JSON.parse */
  budget: { ms: number } | { ratio: number };
}

const CASES: Case[] = [
  { label: "1 KB", bytes: 1024, count: 512, budget: { ms: 0.05 } },
  { label: "8 KB", bytes: 8 * 1024, count: 128, budget: { ratio: 2 } },
  { label: "64 KB", bytes: 64 * 1024, count: 48, budget: { ratio: 2 } },
];

let sink = 0;

/** Passes over the bodies per timed batch, so a batch lasts tens of milliseconds. */
const PASSES = 4;

function timeParse(texts: string[]): number {
  const ms = cpuMs(() => {
    for (let k = 0; k < PASSES; k++) for (const t of texts) sink += (JSON.parse(t) as { max_tokens: number }).max_tokens;
  });
  return ms / (PASSES * texts.length);
}

function timeGuard(texts: string[], format: BodyFormat): number {
  const f = facts(NOW);
  const windows = Array.from({ length: PASSES }, () => accountWindow());
  const ms = cpuMs(() => {
    for (const w of windows) {
      for (const t of texts) {
        const work = edgeWork(KEY, format, JSON.parse(t), f);
        record(w, work.obs, NOW);
        sink += work.fingerprints;
      }
    }
  });
  return ms / (PASSES * texts.length);
}

export interface CpuOptions {
  rounds: number;
}

export function cpuTable(opts: CpuOptions): Table {
  const table = new Table("1. CPU per request in the core (Node 22, one core)", ["prompt", "format", "body", "JSON.parse", "parse + guard", "guard's own work", "own / JSON.parse", "budget"]);
  for (const c of CASES) {
    const prompts = promptsOfSize(c.bytes, c.count);
    for (const format of BODY_FORMATS) {
      const texts = prompts.map((p) => bodyFor(format, p));
      const bodyBytes = texts.reduce((n, t) => n + new TextEncoder().encode(t).byteLength, 0) / texts.length;
      // warm up: the JIT settles on both paths
      for (let i = 0; i < 3; i++) {
        timeParse(texts);
        timeGuard(texts, format);
      }
      const parse: number[] = [];
      const full: number[] = [];
      for (let r = 0; r < opts.rounds; r++) {
        parse.push(timeParse(texts));
        full.push(timeGuard(texts, format));
      }
      const p = median(parse);
      const g = median(full);
      const own = Math.max(0, g - p);
      const ratio = own / p;
      const pass = "ms" in c.budget ? own <= c.budget.ms : ratio <= c.budget.ratio;
      const budget = "ms" in c.budget ? `own ≤ ${fmt.us(c.budget.ms)}` : `own ≤ ${c.budget.ratio}× JSON.parse`;
      table.row([c.label, format, fmt.bytes(bodyBytes), fmt.us(p), fmt.us(g), fmt.us(own), fmt.x(ratio), budget], pass);
    }
  }
  table.note(
    `Prompts from eval/data/ or BENCH_DATA_DIR (whole prompts of the size where there are, else several concatenated). ` +
      `Features read at most MAX_FEATURE_CHARS = ${MAX_FEATURE_CHARS} units of each text (core/features.ts: all of a short text, else its head, tail and evenly ` +
      `spaced middle windows, cut at word boundaries), so the own work stops growing with the prompt while JSON.parse keeps growing. CPU time of the process (not wall time, which a busy machine inflates), median of ${opts.rounds} interleaved rounds; ` +
      `every prompt in a round is new to that round's account window.`,
  );
  if (sink === 0.5) table.note("");
  return table;
}
