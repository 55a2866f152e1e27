/** The mock's answer, shared by every format: short, deterministic, never an echo of the prompt. */
import type { ApiFormat, ParsedRequest } from "../../core/types";

/** Choices per request are capped: the mock answers `n`, but must not be a way to make big bodies. */
const MAX_CHOICES = 16;
export const OPENAI_MODEL = "mock-gpt";
export const ANTHROPIC_MODEL = "mock-claude";

export interface SseEvent {
  event?: string;
  data: string;
}

export interface Answer {
  model: string;
  created: number;
  /** Word pieces of one choice's text, each but the first with its leading space. */
  pieces: string[];
  text: string;
  truncated: boolean;
  choices: number;
  promptTokens: number;
  /** Tokens of one choice. */
  completionTokens: number;
}

/** A long answer (`length`) streams in at most this many pieces, so it stays quick to send. */
const MAX_PIECES = 32;
/** Longest answer a test may ask for, in words. */
export const MAX_ANSWER_WORDS = 200_000;

/** `length`: the answer's words before `max_tokens` (the sentence repeated); unset: the sentence once. */
export function compose(format: ApiFormat, parsed: ParsedRequest, length?: number): Answer {
  const { prompt, params } = parsed;
  let chars = prompt.system.length;
  for (const turn of prompt.userTurns) chars += turn.length;
  const turns = prompt.userTurns.length;
  const full = `This is the distill-guard mock upstream. Your prompt had ${chars} characters in ${turns} user ${turns === 1 ? "turn" : "turns"}.`;
  const sentence = full.split(" ");
  const count = length === undefined ? sentence.length : Math.max(1, Math.min(MAX_ANSWER_WORDS, Math.floor(length)));
  const words = Array.from({ length: count }, (_, i) => (i === 0 ? "" : " ") + sentence[i % sentence.length]);
  const limit = params.maxTokens === undefined ? words.length : Math.max(1, Math.floor(params.maxTokens));
  const taken = words.slice(0, limit);
  const per = length === undefined ? 1 : Math.ceil(taken.length / MAX_PIECES);
  const pieces: string[] = [];
  for (let i = 0; i < taken.length; i += per) pieces.push(taken.slice(i, i + per).join(""));
  // A legacy batch prompt gets n answers per prompt, as the real API does.
  const perPrompt = format === "openai-completions" ? Math.max(1, turns) : 1;
  return {
    model: params.model !== "" ? params.model : format === "anthropic-messages" ? ANTHROPIC_MODEL : OPENAI_MODEL,
    created: Math.floor(Date.now() / 1000),
    pieces,
    text: pieces.join(""),
    truncated: taken.length < words.length,
    choices: Math.min(MAX_CHOICES, params.n * perPrompt),
    promptTokens: Math.max(1, Math.ceil(chars / 4)),
    completionTokens: taken.length,
  };
}

export function randomId(prefix: string, length = 24): string {
  const bytes = new Uint8Array(Math.ceil(length / 2));
  crypto.getRandomValues(bytes);
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return prefix + hex.slice(0, length);
}
