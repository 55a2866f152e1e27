/**
 * Synthetic observation streams for the tables that need more distinct prompts than the data has
 * (memory, growth, Durable Object load). Sketch sizes and costs depend only on how many distinct
 * hashes arrive, not on the text, so a prompt is a fresh random 64-bit hash; shingle counts follow
 * what real 1 KB prompts yield (about a dozen sampled 3-grams).
 */
import { FRESH_SINGLE } from "../core/signals/classify";
import type { AccountObservation, FingerprintObservation, PromptObservation } from "../durable-objects/protocol";

/** The project's seeded generator, so benchmark streams are as reproducible as test inputs. */
import { Rng } from "../tools/prng";

export { Rng };

const SHINGLES_PER_PROMPT = 12;

export interface StreamShape {
  /** distinct templates the stream cycles through; 0: every prompt its own template (worst case) */
  templates: number;
  /** distinct client networks; 0: a new one per request */
  networks: number;
  /** distinct end users; 0: a new one per request; -1: none passed */
  endUsers: number;
}

/** Every sketch gets a new hash on every request: the largest state a stream can build. */
export const WORST_CASE: StreamShape = { templates: 0, networks: 0, endUsers: 0 };
/** A sweep from one server: few templates, one network, no end users. */
export const SWEEP: StreamShape = { templates: 40, networks: 1, endUsers: -1 };

function pick(rng: Rng, pool: number, salt: number): [number, number] {
  if (pool === 0) return [rng.u32(), rng.u32()];
  const i = rng.below(pool);
  return [Math.imul(i + 1, 0x9e3779b1) ^ salt, Math.imul(i + 1, 0x85ebca77) ^ (salt >>> 1)];
}

export function promptObservation(rng: Rng, shape: StreamShape): PromptObservation {
  const prompt: [number, number] = [rng.u32(), rng.u32()];
  const shingles = new Uint32Array(2 * SHINGLES_PER_PROMPT);
  for (let i = 0; i < shingles.length; i++) shingles[i] = rng.u32();
  return {
    prompt,
    template: pick(rng, shape.templates, 0x7e3a11),
    conversation: prompt,
    shingles,
    topic: rng.below(1024),
    history: false,
    previous: null,
    state: rng.u32(),
    cues: 0,
    harvest: false,
    longOutput: false,
    tokens: 256,
  };
}

export function accountObservation(rng: Rng, shape: StreamShape, now: number): AccountObservation {
  return {
    now,
    prompt: promptObservation(rng, shape),
    network: pick(rng, shape.networks, 0x51f00d),
    endUser: shape.endUsers < 0 ? null : pick(rng, shape.endUsers, 0x3e11),
    fingerprints: [],
  };
}

export function fingerprintObservation(rng: Rng, shape: StreamShape, now: number, account: [number, number]): FingerprintObservation {
  const prompt = promptObservation(rng, shape);
  return { now, account, pair: [prompt.prompt[0] ^ account[0], prompt.prompt[1] ^ account[1]], prompt, seen: FRESH_SINGLE };
}
