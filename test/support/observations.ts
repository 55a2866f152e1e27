export { FRESH_SINGLE } from "../../core/signals/classify";
import type { AccountObservation, PromptObservation } from "../../durable-objects/protocol";

let seed = 0x2545f491;
function u32(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
}

/** A prompt observation with fresh random hashes (a new, distinct single-shot prompt, no cues). */
export function randomPrompt(extra: Partial<PromptObservation> = {}): PromptObservation {
  return {
    prompt: [u32(), u32()],
    template: [u32(), u32()],
    conversation: [u32(), u32()],
    shingles: new Uint32Array([u32(), u32(), u32(), u32()]),
    topic: u32() % 1024,
    history: false,
    previous: null,
    state: u32(),
    cues: 0,
    harvest: false,
    longOutput: false,
    tokens: 50,
    ...extra,
  };
}

export function accountObservation(now: number, prompt: PromptObservation | null = randomPrompt()): AccountObservation {
  return { now, prompt, network: [1, 2], endUser: null, fingerprints: ["s0123456789abcdef"] };
}
