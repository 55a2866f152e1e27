/**
 * Reads the completion tokens an upstream reports in an answer while the answer passes through to
 * the client: every chunk is passed on unchanged the moment it arrives, and a copy is read on the
 * side. JSON answers carry `usage.completion_tokens` (OpenAI) or `usage.output_tokens` (Anthropic,
 * Responses); streams carry OpenAI's final usage chunk, Anthropic's `message_start` / `message_delta`
 * usage (cumulative) and the Responses API's `response.usage` in its last event. Where no usage
 * comes, or the answer was cut short (the client went away), the figure is estimated from the answer
 * text seen, at four characters a token as the prompt estimate is, and is never below what was reported.
 */

export interface AnswerUsage {
  /** Completion tokens to charge. */
  tokens: number;
  /** True when the figure is the upstream's own, false when estimated. */
  reported: boolean;
}

export type AnswerKind = "sse" | "json";

const CHARS_PER_TOKEN = 4;
/** A JSON answer is kept on the side up to this size; past it, its length estimates its tokens. */
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** A longer server-sent-event line is not parsed; its length still counts in the estimate. */
const MAX_LINE_CHARS = 1024 * 1024;
/** Fields whose strings are answer text (message content, deltas, tool arguments, reasoning). */
const TEXT_FIELDS = new Set(["content", "text", "delta", "thinking", "partial_json", "arguments", "reasoning_content", "refusal"]);
const MAX_DEPTH = 8;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Completion tokens in one usage object, or null when it has none. */
function usageTokens(u: unknown): number | null {
  if (!isObject(u)) return null;
  const n = u.completion_tokens ?? u.output_tokens;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null;
}

/** The usage an answer or event reports: its own (OpenAI, Anthropic's message_delta), its message's (message_start) or its response's (Responses events). */
export function reportedTokens(o: unknown): number | null {
  if (!isObject(o)) return null;
  let best: number | null = null;
  for (const u of [o.usage, isObject(o.message) ? o.message.usage : undefined, isObject(o.response) ? o.response.usage : undefined]) {
    const n = usageTokens(u);
    if (n !== null) best = Math.max(best ?? 0, n);
  }
  return best;
}

/** Characters of answer text in an answer or event. */
export function textChars(v: unknown, depth = 0, key = ""): number {
  if (typeof v === "string") return TEXT_FIELDS.has(key) ? v.length : 0;
  if (depth >= MAX_DEPTH || typeof v !== "object" || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    // Elements of a text field's array (content blocks) are looked into, with the field's name.
    for (const x of v) n += textChars(x, depth + 1, key);
    return n;
  }
  // The Responses API repeats the whole text in its `.done` and final events: only deltas count.
  const type = (v as Json).type;
  if (depth === 0 && typeof type === "string" && type.startsWith("response.") && !type.endsWith(".delta")) return 0;
  for (const [k, x] of Object.entries(v)) n += textChars(x, depth + 1, k);
  return n;
}

/** Accumulates what an answer reports and how much text it has, chunk by chunk. */
export class UsageReader {
  private readonly decoder = new TextDecoder();
  private reported: number | null = null;
  private chars = 0;
  /** SSE: the unfinished line; JSON: unused. */
  private partial = "";
  private data: string[] = [];
  private readonly kept: Uint8Array[] = [];
  private bytes = 0;
  /** The unfinished line was too long to keep (see `lines`). */
  private overlong = false;

  constructor(private readonly kind: AnswerKind) {}

  push(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength;
    if (this.kind === "json") {
      if (this.bytes <= MAX_JSON_BYTES) this.kept.push(chunk);
      return;
    }
    this.lines(this.decoder.decode(chunk, { stream: true }));
  }

  /** What to charge; `complete` says the answer reached its end (its usage, if any, is final). */
  finish(complete: boolean): AnswerUsage {
    if (this.kind === "json") this.readJson(complete);
    else {
      this.lines(this.decoder.decode());
      if (this.partial !== "") this.line(this.partial.replace(/\r$/, ""));
      this.partial = "";
      this.dispatch();
    }
    if (complete && this.reported !== null) return { tokens: this.reported, reported: true };
    const estimate = Math.ceil(this.chars / CHARS_PER_TOKEN);
    return this.reported !== null && this.reported >= estimate ? { tokens: this.reported, reported: true } : { tokens: estimate, reported: false };
  }

  private readJson(complete: boolean): void {
    if (!complete || this.bytes > MAX_JSON_BYTES) {
      this.chars += this.bytes;
      return;
    }
    const all = new Uint8Array(this.bytes);
    let at = 0;
    for (const c of this.kept) {
      all.set(c, at);
      at += c.byteLength;
    }
    this.kept.length = 0;
    try {
      this.event(JSON.parse(new TextDecoder().decode(all)));
    } catch {
      this.chars += this.bytes;
    }
  }

  /** Splits text into lines (LF, CRLF or CR); a CR at the end may be half of a CRLF, so it waits. */
  private lines(text: string): void {
    let s = this.partial + text;
    let held = "";
    if (s.endsWith("\r")) {
      held = "\r";
      s = s.slice(0, -1);
    }
    const parts = s.split(/\r\n|\r|\n/);
    let last = parts.pop() ?? "";
    for (const line of parts) this.line(line);
    // A line too long to keep is not parsed: its characters count until its end is seen.
    if (this.overlong || last.length > MAX_LINE_CHARS) {
      this.chars += last.length;
      this.overlong = true;
      last = "";
    }
    this.partial = last + held;
  }

  private line(line: string): void {
    if (this.overlong) {
      this.chars += line.length;
      this.overlong = false;
      this.data = [];
      return;
    }
    if (line === "") this.dispatch();
    else if (line.startsWith("data:")) this.data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
  }

  private dispatch(): void {
    if (this.data.length === 0) return;
    const data = this.data.join("\n");
    this.data = [];
    if (data === "[DONE]") return;
    try {
      this.event(JSON.parse(data));
    } catch {
      this.chars += data.length;
    }
  }

  private event(o: unknown): void {
    const n = reportedTokens(o);
    if (n !== null) this.reported = Math.max(this.reported ?? 0, n);
    this.chars += textChars(o);
  }
}

/** Which kind of answer a response is, by its content type; null: not read (not an answer). */
export function answerKind(res: Response): AnswerKind | null {
  if (res.status < 200 || res.status >= 300 || res.body === null) return null;
  const type = (res.headers.get("content-type") ?? "").toLowerCase();
  if (type.includes("text/event-stream")) return "sse";
  if (type.includes("json")) return "json";
  return null;
}

/**
 * The answer's body passed through a TransformStream that forwards each chunk unchanged before
 * reading it, and a promise of its usage, settled when the body ends, fails or the client cancels it.
 */
export function meterBody(body: ReadableStream<Uint8Array>, kind: AnswerKind): { body: ReadableStream<Uint8Array>; usage: Promise<AnswerUsage> } {
  const reader = new UsageReader(kind);
  // Only the source's own end makes an answer complete: a client's cancel may end the pipe quietly.
  let ended = false;
  const pass = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      try {
        if (chunk instanceof Uint8Array) reader.push(chunk);
      } catch {
        // Reading is on the side: whatever it meets, the answer itself goes on.
      }
    },
    flush() {
      ended = true;
    },
  });
  const usage = body.pipeTo(pass.writable).then(
    () => reader.finish(ended),
    () => reader.finish(false),
  );
  return { body: pass.readable, usage };
}
