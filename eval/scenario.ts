/**
 * Traffic scenario files: JSON Lines, optionally gzip-compressed, one request per
 * line in time order. Read as a stream because holdout files can be far larger than the dev one.
 */
import { createReadStream, closeSync, openSync, readSync } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";

export type Label = "benign" | "extraction";

export interface ScenarioLine {
  t: number;
  key?: string;
  ip?: string;
  ua?: string;
  ja4?: string;
  asn?: number;
  path: string;
  body: unknown;
  label: Label;
  actor: string;
}

/** A line with its 0-based position in the file, which is the order verdicts are judged in. */
export interface IndexedLine extends ScenarioLine {
  index: number;
}

export class ScenarioFormatError extends Error {}

/** Gzip is recognised by its magic bytes, not the name, so a mislabelled file still reads. */
function isGzip(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = new Uint8Array(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Checks the fields the replay relies on; ground truth must be present or the metrics are meaningless. */
export function parseScenarioLine(text: string, lineNumber: number): ScenarioLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScenarioFormatError(`line ${lineNumber}: not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ScenarioFormatError(`line ${lineNumber}: not a JSON object`);
  }
  const line = value as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new ScenarioFormatError(`line ${lineNumber}: ${what}`);
  };
  if (typeof line.t !== "number" || !Number.isSafeInteger(line.t) || line.t < 0) fail("`t` must be a non-negative integer");
  if (typeof line.path !== "string" || !line.path.startsWith("/")) fail("`path` must be a string starting with /");
  if (line.label !== "benign" && line.label !== "extraction") fail("`label` must be benign or extraction");
  if (typeof line.actor !== "string" || line.actor === "") fail("`actor` must be a non-empty string");
  if (line.key !== undefined && typeof line.key !== "string") fail("`key` must be a string");
  if (line.asn !== undefined && typeof line.asn !== "number") fail("`asn` must be a number");
  return line as unknown as ScenarioLine;
}

export interface ReadOptions {
  /** stop after this many lines */
  limit?: number;
}

/** Streams the scenario's lines with their indices. Blank lines are skipped but still counted for messages. */
export async function* readScenario(path: string, options: ReadOptions = {}): AsyncGenerator<IndexedLine> {
  const raw = createReadStream(path);
  const input = isGzip(path) ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (error) => input.destroy(error));
  const reader = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  let index = 0;
  try {
    for await (const text of reader) {
      lineNumber++;
      if (text.trim() === "") continue;
      if (options.limit !== undefined && index >= options.limit) break;
      yield { ...parseScenarioLine(text, lineNumber), index: index++ };
    }
  } finally {
    reader.close();
    raw.destroy();
  }
}
