/**
 * Prompts for the benchmark and request bodies of a target size in both API formats. By default
 * from what the repository ships: the licence-clean sample in eval/data/ (self-instruct seed tasks,
 * T0 prompts) and the people-like prompts the scenario generator writes. BENCH_DATA_DIR points at a
 * fuller collection in the same layout (ShareGPT, Alpaca, InstructionWild files), used when present.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { peoplePrompts } from "../eval/generate/people-prompts";
import { Rng } from "../tools/prng";

export type BodyFormat = "openai-chat" | "anthropic-messages";

export const BODY_FORMATS: readonly BodyFormat[] = ["openai-chat", "anthropic-messages"];

export function dataDir(): string {
  const dir = resolve(process.env.BENCH_DATA_DIR ?? join(process.cwd(), "eval", "data"));
  if (!existsSync(dir)) throw new Error(`bench: prompt data not found at ${dir} (set BENCH_DATA_DIR)`);
  return dir;
}

const has = (file: string) => existsSync(join(dataDir(), file));

/** People's prompts: the fuller collection's when it is there, else the generator's own. */
function benign(): string[] {
  if (has("sharegpt_1000.jsonl")) return prompts("sharegpt_1000.jsonl").concat(has("sharegpt_sample.jsonl") ? prompts("sharegpt_sample.jsonl") : []);
  let rows = cache.get("people");
  if (!rows) cache.set("people", (rows = peoplePrompts(new Rng("bench/people"), 4000)));
  return rows;
}

/** Dataset prompts: Alpaca when the fuller collection has it, else the shipped seed tasks and T0 prompts. */
function extractionLike(): string[] {
  if (has("alpaca_5k.jsonl")) return prompts("alpaca_5k.jsonl");
  const t0 = readdirSync(join(dataDir(), "t0"))
    .sort()
    .flatMap((f) => prompts(join("t0", f)));
  return prompts(has("seed_tasks.jsonl") ? "seed_tasks.jsonl" : "seed_tasks.jsonl.gz").concat(t0);
}

function readRows(path: string): string[] {
  const raw = path.endsWith(".gz") ? new TextDecoder().decode(gunzipSync(readFileSync(path))) : readFileSync(path, "utf8");
  const out: string[] = [];
  for (const line of raw.split("\n")) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { turns?: unknown };
    if (Array.isArray(row.turns) && typeof row.turns[0] === "string" && row.turns[0].trim()) out.push(row.turns[0]);
  }
  return out;
}

const cache = new Map<string, string[]>();

/** Prompts of one data file (relative to the data directory). */
export function prompts(file: string): string[] {
  let rows = cache.get(file);
  if (!rows) {
    rows = readRows(join(dataDir(), file));
    cache.set(file, rows);
  }
  return rows;
}

/** Benign and extraction-like prompts mixed, in a fixed order. */
export function mixedPrompts(): string[] {
  const a = benign();
  const b = extractionLike();
  const c = has("instructionwild.jsonl") ? prompts("instructionwild.jsonl") : [];
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length, c.length); i++) {
    if (i < a.length) out.push(a[i]!);
    if (i < b.length) out.push(b[i]!);
    if (i < c.length) out.push(c[i]!);
  }
  return out;
}

const utf8 = new TextEncoder();

/** Cuts `s` to at most `bytes` UTF-8 bytes, at a space when one is near. */
function cutToBytes(s: string, bytes: number): string {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (utf8.encode(s.slice(0, mid)).byteLength <= bytes) lo = mid;
    else hi = mid - 1;
  }
  const space = s.lastIndexOf(" ", lo);
  return s.slice(0, space > lo - 64 && space > 0 ? space : lo);
}

/**
 * `count` prompt texts of about `bytes` UTF-8 bytes each: real prompts of that size when the data has
 * them, else real prompts concatenated (separated by a blank line) and cut at a word boundary.
 */
export function promptsOfSize(bytes: number, count: number): string[] {
  // Long texts come from the dataset side when people's prompts are the generator's short ones.
  const pool = has("sharegpt_1000.jsonl") ? benign() : extractionLike().concat(benign());
  const out: string[] = [];
  // Whole prompts within ±15 % first.
  for (const p of pool) {
    const n = utf8.encode(p).byteLength;
    if (n >= bytes * 0.85 && n <= bytes * 1.15) out.push(p);
    if (out.length === count) return out;
  }
  // Then concatenations, each starting at another prompt.
  for (let start = 0; out.length < count; start += 7) {
    const parts: string[] = [];
    let size = 0;
    for (let i = start; size < bytes; i++) {
      const p = pool[i % pool.length]!;
      parts.push(p);
      size += utf8.encode(p).byteLength + 2;
    }
    out.push(cutToBytes(parts.join("\n\n"), bytes));
  }
  return out;
}

const SYSTEM = "You are a helpful assistant. Answer accurately and concisely.";

/** A request body as a client of `format` would send it, with `prompt` as the new user turn. */
export function bodyFor(format: BodyFormat, prompt: string): string {
  if (format === "openai-chat") {
    return JSON.stringify({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: SYSTEM },
        { role: "user", content: prompt },
      ],
      max_tokens: 512,
      temperature: 0.7,
    });
  }
  return JSON.stringify({
    model: "claude-sonnet-4-5",
    max_tokens: 512,
    system: SYSTEM,
    messages: [{ role: "user", content: [{ type: "text", text: prompt }] }],
  });
}

/**
 * A request in a conversation: an earlier user turn and the assistant's answer, then `prompt`. This is
 * what chat clients send, and it keeps the benchmark's traffic benign-looking (not single-shot), so
 * detection judges it without refusing it.
 */
export function conversationBodyFor(format: BodyFormat, earlier: string, prompt: string, stream: boolean): string {
  const reply = "Sure. Here is a short answer to that; tell me if you want more detail.";
  if (format === "openai-chat") {
    return JSON.stringify({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: SYSTEM },
        { role: "user", content: earlier },
        { role: "assistant", content: reply },
        { role: "user", content: prompt },
      ],
      max_tokens: 512,
      temperature: 0.7,
      ...(stream ? { stream: true } : {}),
    });
  }
  return JSON.stringify({
    model: "claude-sonnet-4-5",
    max_tokens: 512,
    system: SYSTEM,
    messages: [
      { role: "user", content: earlier },
      { role: "assistant", content: reply },
      { role: "user", content: [{ type: "text", text: prompt }] },
    ],
    ...(stream ? { stream: true } : {}),
  });
}

export function pathFor(format: BodyFormat): string {
  return format === "openai-chat" ? "/v1/chat/completions" : "/v1/messages";
}
