/**
 * What the edge sends the guard objects about one prompt: hashes and flags only. Pure, so the
 * benchmark measures exactly what the Worker computes.
 */
import type { Features, ParsedRequest } from "../core/types";
import type { PromptObservation } from "../durable-objects/protocol";

/** max_tokens at or above which a request asks for as much output as it can harvest. */
export const HARVEST_MAX_TOKENS = 4096;

export function promptObservation(f: Features, parsed: ParsedRequest): PromptObservation {
  const p = parsed.params;
  return {
    prompt: [f.prompt.hi, f.prompt.lo],
    template: [f.template.hi, f.template.lo],
    conversation: [f.conversation.hi, f.conversation.lo],
    shingles: f.shingles,
    topic: f.topic,
    singleShot: parsed.prompt.assistantTurns === 0 && f.turns <= 1,
    harvest: p.logprobs || p.n > 1 || (p.maxTokens !== undefined && p.maxTokens >= HARVEST_MAX_TOKENS),
    tokens: f.tokens,
  };
}
