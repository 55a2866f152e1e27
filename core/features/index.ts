/**
 * Per-request feature extraction: hashes only, runtime-free (no `cloudflare:*`, no Node APIs).
 *
 * Cost model (measured with Node 22 / V8): `JSON.parse` of a chat body costs about 0.8–2 ns per
 * UTF-16 unit, while a bare JavaScript loop over the units costs ~2 ns per unit and this whole
 * extraction ~10 ns per unit of English (~70 ns per token). A pass over a whole 8 KB prompt would cost
 * ~10x the parse, so everything here, including the identity hashes, reads at most MAX_FEATURE_CHARS
 * units of each text (a quarter of that for CJK, which has a token per unit): see ./sampling. Nothing
 * builds a lowercased or normalised copy: `tokenize` folds case and hashes words in the same pass.
 *
 * One concept per module: ./sampling (what of a text is read, which shingles are kept), ./identity
 * (text hashes), ./template (the instruction frame), ./topic (the SimHash bucket), ./key-state (what
 * is derived from the secret once), ./scratch-set (the de-duplicating set they share).
 */
import type { HashKey } from "../hash";
import type { Features, PromptInput } from "../types";
import { isBlank, textHash, textHashFromTokens } from "./identity";
import { keyState } from "./key-state";
import { prepare, sampleShingles, toks } from "./sampling";
import { templateOf } from "./template";
import { topicOf } from "./topic";
import { promptCues } from "../signals/cues";

export { textIdentity } from "./identity";
export { MAX_FEATURE_CHARS, SHINGLE_SAMPLE, sampleWindows } from "./sampling";
export { explainTemplate, TEMPLATE_HEAD, TEMPLATE_TAIL } from "./template";
export { TOPIC_BITS, TOPIC_BUCKETS, TOPIC_COARSE_SHIFT } from "./topic";

/**
 * Extracts the hashed features of one request. Deterministic for a key and an input; never keeps
 * or returns any text.
 */
export function extractFeatures(key: HashKey, input: PromptInput): Features {
  const st = keyState(key);
  const turns = input.userTurns;
  const nTurns = turns.length;
  const last = nTurns > 0 ? turns[nTurns - 1]! : "";
  let chars = input.system.length;
  for (let i = 0; i < nTurns; i++) chars += turns[i]!.length;

  const system = isBlank(input.system) ? null : textHash(key, st, input.system);
  const conversation = nTurns > 1 ? textHash(key, st, turns[0]!) : null;
  const previous = nTurns > 1 ? (nTurns === 2 ? { hi: conversation!.hi, lo: conversation!.lo } : textHash(key, st, turns[nTurns - 2]!)) : null;

  // the new prompt: everything below works on its tokens
  const sampled = prepare(key, last);
  const prompt = textHashFromTokens(key, sampled, last.length, { hi: 0, lo: 0 });
  const words = toks.count;
  const frame = templateOf(key, st);
  const shingles = sampleShingles(key);
  const topic = topicOf(st);

  return {
    prompt,
    conversation: conversation ?? { hi: prompt.hi, lo: prompt.lo },
    previous,
    cues: promptCues(last, input.system),
    template: frame.hash,
    system,
    shingles,
    topic,
    turns: nTurns,
    chars,
    tokens: Math.ceil(chars / 4),
    frameWords: frame.words,
    words,
  };
}
