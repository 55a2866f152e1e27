/**
 * The topic bucket of a prompt: a SimHash over its distinct content words, so prompts about one
 * subject tend to share a bucket whoever writes them.
 */
import { fmix32 } from "../hash";
import { TK_CJK, TK_KIND_MASK, TK_WORD } from "../text";
import type { KeyState } from "./key-state";
import { toks } from "./sampling";
import { U32Set } from "./scratch-set";

/** Sign bits of the SimHash topic: 1024 fine buckets. */
export const TOPIC_BITS = 10;
export const TOPIC_BUCKETS = 1 << TOPIC_BITS;
/** coarse = topic >>> TOPIC_COARSE_SHIFT: 32 coarse buckets. */
export const TOPIC_COARSE_SHIFT = 5;

const topicAcc = new Int32Array(TOPIC_BITS);
const topicSet = new U32Set(10);

/**
 * SimHash (random-hyperplane LSH) over the distinct content words of the prompt sample: each word
 * (stopwords and words of one letter left out, each counted once) votes ±1 on TOPIC_BITS bits taken
 * from a keyed hash of the word; bit j of the topic is set when the votes for it are positive.
 */
export function topicOf(st: KeyState): number {
  const n = toks.count;
  const info = toks.info;
  const start = toks.start;
  const end = toks.end;
  const hash = toks.hash;
  const stop = st.stop;
  const salt = st.topicSalt;
  topicSet.reset(n);
  topicAcc.fill(0);
  // votes counted as set bits per position: two accumulators of five 6-bit lanes (bits 0–4 and
  // 5–9 of the word's keyed hash), flushed before a lane can overflow
  let lo = 0;
  let hi = 0;
  let pending = 0;
  let words = 0;
  let ties = 0; // tie-breaking bits: XOR of other bits of the same hashes
  for (let i = 0; i < n; i++) {
    const kind = info[i]! & TK_KIND_MASK;
    if (kind !== TK_WORD && kind !== TK_CJK) continue;
    if (kind === TK_WORD && end[i]! - start[i]! < 2) continue;
    const w = hash[i]!;
    if (stop.has(w) || !topicSet.add(w)) continue;
    const t = fmix32(w ^ salt);
    lo += SPREAD5[t & 31]!;
    hi += SPREAD5[(t >>> 5) & 31]!;
    ties ^= t >>> TOPIC_BITS;
    words++;
    if (++pending === 63) {
      flushVotes(lo, hi);
      lo = hi = pending = 0;
    }
  }
  flushVotes(lo, hi);
  let topic = 0;
  // bit j is set when more words vote 1 than 0 on it; a tie (common with two or four words) is broken
  // by a bit that is uniform over texts, so short prompts do not pile up in bucket 0
  for (let j = 0; j < TOPIC_BITS && words > 0; j++) {
    const votes = 2 * topicAcc[j]!;
    if (votes > words || (votes === words && (ties >>> j) & 1)) topic |= 1 << j;
  }
  return topic;
}

/** SPREAD5[x]: bit b of x moved to bit 6b. */
const SPREAD5 = new Int32Array(32);
for (let x = 0; x < 32; x++) for (let b = 0; b < 5; b++) if (x & (1 << b)) SPREAD5[x]! |= 1 << (6 * b);

function flushVotes(lo: number, hi: number): void {
  for (let b = 0; b < 5; b++) {
    topicAcc[b]! += (lo >>> (6 * b)) & 63;
    topicAcc[b + 5]! += (hi >>> (6 * b)) & 63;
  }
}
