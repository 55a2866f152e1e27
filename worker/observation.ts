/**
 * What the edge sends the guard objects about one request: hashes and flags only. Pure, so the
 * benchmark (bench/sim.ts) measures exactly what the Worker computes.
 */
import { modelName } from "../core/campaigns/models";
import { extractFeatures } from "../core/features";
import { fmix32, hash64Hex, hashString, hashWords, type HashKey } from "../core/hash";
import type { Features, ParsedRequest } from "../core/types";
import type { AccountObservation, Hash, PromptObservation } from "../durable-objects/protocol";
import { fingerprintsFor, networkHash, type ClientFacts, type Fingerprint } from "./identity";

/**
 * The request's place in its conversation, as 32 bits: the new prompt, the turn before it, the
 * first turn and the number of turns. The inputs are keyed hashes, so this is as unguessable as
 * they are. The same request sent again has the same state: a retry or a padding repeat.
 */
function conversationState(f: Features): number {
  const prev = f.previous ?? f.prompt;
  let h = fmix32(f.turns ^ 0x5bd1e995);
  h = fmix32(h ^ f.conversation.lo);
  h = fmix32(h ^ prev.hi);
  h = fmix32(h ^ f.prompt.hi);
  return fmix32(h ^ f.prompt.lo) >>> 0;
}

/** max_tokens from which a request asks for long answers (today's SDK defaults are far above it). */
const LONG_OUTPUT_TOKENS = 4096;

export function promptObservation(f: Features, parsed: ParsedRequest): PromptObservation {
  const p = parsed.params;
  return {
    prompt: [f.prompt.hi, f.prompt.lo],
    template: [f.template.hi, f.template.lo],
    conversation: [f.conversation.hi, f.conversation.lo],
    shingles: f.shingles,
    topic: f.topic,
    // A history the client sends, true or invented: the account's object decides which.
    history: parsed.prompt.assistantTurns > 0 || f.turns > 1,
    previous: f.previous ? f.previous.lo >>> 0 : null,
    state: conversationState(f),
    cues: f.cues,
    // Scoring parameters only. A large max_tokens is what today's SDKs send by default.
    harvest: p.logprobs || p.n > 1,
    longOutput: p.maxTokens !== undefined && p.maxTokens >= LONG_OUTPUT_TOKENS,
    tokens: f.tokens,
    frameWords: f.frameWords,
    words: f.words,
  };
}

/** The subjects a request is counted against, and the hashes their objects need. */
export interface Subjects {
  accountId: string;
  accountHash: Hash;
  /** Keyed hash of (account, prompt). */
  pairHash: Hash;
  fingerprints: Fingerprint[];
}

export interface RequestObservation {
  /** Without its idempotency id, which the Worker adds (it needs the request). */
  obs: AccountObservation;
  subjects: Subjects;
}

/** The account id's hex digits as 32-bit words, for the keyed sketch hash. */
function accountWords(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i + 8 <= hex.length; i += 8) out.push(parseInt(hex.slice(i, i + 8), 16) | 0);
  return out;
}

/**
 * Everything the guard objects learn of one request. `parsed` is null on pass-through paths, whose
 * body is not read: they are only rate limited, so they carry no prompt and no fingerprints.
 */
export function buildObservation(key: HashKey, accountId: string, facts: ClientFacts, parsed: ParsedRequest | null): RequestObservation {
  const network = networkHash(key, facts);
  if (!parsed) {
    return {
      obs: { now: facts.now, prompt: null, network, endUser: null, fingerprints: [] },
      subjects: { accountId, accountHash: [0, 0], pairHash: [0, 0], fingerprints: [] },
    };
  }
  const features = extractFeatures(key, parsed.prompt);
  const prompt = promptObservation(features, parsed);
  const words = accountWords(accountId);
  const accountH = hashWords(key, words, 0, words.length);
  const pairH = hashWords(key, [accountH.hi, accountH.lo, features.prompt.hi, features.prompt.lo], 0, 4);
  const systemHash = features.system ? hash64Hex(features.system) : "";
  const endUser = parsed.params.endUser ? hashString(key, `user|${parsed.params.endUser}`) : null;
  const fingerprints = fingerprintsFor(key, facts, parsed, systemHash);
  return {
    obs: { now: facts.now, prompt, network, endUser: endUser ? [endUser.hi, endUser.lo] : null, fingerprints: fingerprints.map((f) => f.id), model: modelName(parsed.params.model) },
    subjects: { accountId, accountHash: [accountH.hi, accountH.lo], pairHash: [pairH.hi, pairH.lo], fingerprints },
  };
}
