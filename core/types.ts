import type { Hash64 } from "./hash";

/** The four inspected API formats (docs/contract.md, "The proxied API"). */
export type ApiFormat = "openai-chat" | "openai-completions" | "openai-responses" | "anthropic-messages";

/** Which error shape a path answers in. */
export type ErrorShape = "openai" | "anthropic";

/** The text a client sent, as the detector needs it. Never stored or logged. */
export interface PromptInput {
  /** User-authored turns in order; the last one is the new prompt of this request. */
  userTurns: string[];
  /** System prompt / instructions text, joined; "" when there is none. */
  system: string;
  /** Assistant turns already in the history (multi-turn conversations have some). */
  assistantTurns: number;
}

/** Generation parameters that matter to detection (output harvesting) and to the request shape. */
export interface RequestParams {
  model: string;
  stream: boolean;
  /** max_tokens / max_completion_tokens / max_output_tokens; undefined when absent. */
  maxTokens: number | undefined;
  temperature: number | undefined;
  /** logprobs or top_logprobs asked for. */
  logprobs: boolean;
  /** n (OpenAI) choices asked for; 1 when absent. */
  n: number;
  /** An end-user id the caller passes (`user`, `metadata.user_id`), hashed before it goes anywhere. */
  endUser: string | undefined;
}

/** A request body understood by one of the format parsers. */
export interface ParsedRequest {
  format: ApiFormat;
  prompt: PromptInput;
  params: RequestParams;
  /** Top-level body keys, sorted and joined with ",": part of the client fingerprint. */
  shapeKeys: string;
}

/** What the detector keeps of one request: hashes only. */
export interface Features {
  /** The normalised new prompt (last user turn). */
  prompt: Hash64;
  /** The normalised first user turn: the conversation this request belongs to. */
  conversation: Hash64;
  /**
   * The user turn before the new one, hashed as `prompt` hashes the new one, or null without one:
   * a conversation is ours when this turn was itself a prompt the account sent.
   */
  previous: Hash64 | null;
  /** Elicitation and task-style cue bits (core/signals/cues). */
  cues: number;
  /** The template frame of the new prompt: inputs masked, head and tail kept. */
  template: Hash64;
  /** The normalised system prompt, or null when there is none. */
  system: Hash64 | null;
  /** Sampled word-3-gram hashes (shingles), interleaved hi,lo. */
  shingles: Uint32Array;
  /** Topic bucket at the fine granularity, 0 ≤ topic < TOPIC_BUCKETS; coarse = topic >>> TOPIC_COARSE_SHIFT. */
  topic: number;
  /** User turns in the request. */
  turns: number;
  /** Characters of prompt text (all turns and system). */
  chars: number;
  /** Estimated prompt tokens. */
  tokens: number;
  /** Words of the template frame that are not masked: how specific the instruction is. */
  frameWords: number;
  /** Words read of the new prompt (up to the sampling cap): whether the frame wraps an input. */
  words: number;
}
