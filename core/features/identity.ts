/**
 * The identity hash of a text: the sequence of its case-folded word hashes with the punctuation
 * between them, so whitespace and case do not enter. Nothing builds a lowercased or normalised copy.
 */
import { hashWords, type Hash64, type HashKey } from "../hash";
import type { KeyState } from "./key-state";
import { prepare, toks } from "./sampling";

const TAG_TEXT = 0x74787431; // "txt1"

let seq = new Uint32Array(1024);

/**
 * The identity of a text from its tokens in `toks`. Whitespace and case do not enter, so two texts
 * with the same `normalise` form get the same hash (up to the context-dependent lowercasings
 * `lowerUnit` does not do: a word-final Σ, a dotted İ). Texts longer than the budget of
 * `sampleWindows` (`sampled`) are identified by their sample and their length: a retry of the same
 * text always matches, an edit outside the sampled windows goes unseen (and a whitespace change moves
 * the windows, so it usually changes the hash).
 */
export function textHashFromTokens(key: HashKey, sampled: boolean, rawLength: number, out: Hash64): Hash64 {
  if (seq.length < toks.count + 4) seq = new Uint32Array(toks.capacity + 4);
  const n = toks.count;
  const sep = toks.sep;
  const h = toks.hash;
  seq[0] = TAG_TEXT;
  seq[1] = sampled ? rawLength : 0;
  for (let i = 0; i < n; i++) seq[i + 2] = h[i]! ^ Math.imul(sep[i]!, 0x9e3779b1);
  seq[n + 2] = toks.tailSep;
  return hashWords(key, seq, 0, n + 3, out);
}

/** Texts that recur across requests (an app's system prompt, the first turn of a conversation) are
 * hashed once per isolate: a Map lookup costs a native string hash and compare, far less than
 * tokenising. Bounded: at most TEXT_CACHE_MAX entries of at most TEXT_CACHE_CHARS units. */
const TEXT_CACHE_MAX = 256;
const TEXT_CACHE_CHARS = 16384;

export function textHash(key: HashKey, st: KeyState, s: string): Hash64 {
  const cacheable = s.length >= 64 && s.length <= TEXT_CACHE_CHARS;
  if (cacheable) {
    const hit = st.texts.get(s);
    if (hit) return { hi: hit.hi, lo: hit.lo };
  }
  const h = textIdentity(key, s);
  if (cacheable) {
    if (st.texts.size >= TEXT_CACHE_MAX) st.texts.clear();
    st.texts.set(s, { hi: h.hi, lo: h.lo });
  }
  return h;
}

/**
 * The identity hash of a text as `extractFeatures` computes it for `prompt`, `conversation` and
 * `system`: invariant under case and whitespace changes (see `normalise`).
 */
export function textIdentity(key: HashKey, s: string): Hash64 {
  const sampled = prepare(key, s);
  return textHashFromTokens(key, sampled, s.length, { hi: 0, lo: 0 });
}

/** No non-whitespace unit (the JS `\s` set, as in `normalise`); a native scan. */
export function isBlank(s: string): boolean {
  return !NON_SPACE.test(s);
}
const NON_SPACE = /\S/;
