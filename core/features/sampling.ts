/**
 * What of a text is read and what of it is kept. Reading: all of a short text, or the head, the tail
 * and evenly spaced middle windows of a long one (cut at word boundaries and depending on the text
 * alone, so identical texts always give identical features), tokenised into the shared `toks`.
 * Keeping: one distinct word 3-gram in SHINGLE_SAMPLE, chosen by its words' hashes.
 */
import { hashWords, type Hash64, type HashKey } from "../hash";
import { CH_CJK, charClass, isWordUnit, TF_BREAK, tokenize, Tokens } from "../text";
import { U32Set } from "./scratch-set";

/** One distinct word 3-gram in SHINGLE_SAMPLE is kept (by its hash). ShareGPT means: ~1.4 shingles
 * under 200 characters, ~6 at 200–500, ~13 from 1 KB up; never more than ~35 (64 KB: ~10–15). */
export const SHINGLE_SAMPLE = 8;
/** At most this many UTF-16 units of a text are read (head, tail and middle windows of longer texts).
 * 768 keeps the extraction at ~1.3–1.8x JSON.parse of an 8 KB chat body (~12 µs CPU on a busy 2-core
 * Node 22 box); 1024 measured 1.7–2.2x, 4096 ~5x. */
export const MAX_FEATURE_CHARS = 768;

/** The tokens of the text last given to `prepare` (an isolate runs one extraction at a time). */
export const toks = new Tokens(1024);

const MID_WINDOWS = 3;
const MAX_CUT_SHIFT = 24;
const PROBE = 32;

/**
 * How many units of `s` to read. Cost follows tokens, not units, and CJK text has a token per unit
 * against ~1 per 6 units of English, so the budget shrinks with the share of CJK units seen in three
 * 32-unit probes (start, middle, end): MAX_FEATURE_CHARS for alphabetic text, a quarter of it for
 * pure CJK.
 */
function unitBudget(s: string): number {
  const n = s.length;
  let cjk = 0;
  let seen = 0;
  for (const at of [0, (n - PROBE) >>> 1, n - PROBE]) {
    const a = Math.max(0, at);
    const b = Math.min(n, a + PROBE);
    for (let i = a; i < b; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x2e80 && charClass(c) === CH_CJK) cjk++;
    }
    seen += b - a;
  }
  if (seen === 0 || cjk === 0) return MAX_FEATURE_CHARS;
  return Math.floor(MAX_FEATURE_CHARS / (1 + (3 * cjk) / seen));
}

/** Moves a cut at `i` back so it does not split a word (at most MAX_CUT_SHIFT units). */
function cutBack(s: string, i: number): number {
  const lim = Math.max(0, i - MAX_CUT_SHIFT);
  let j = i;
  while (j > lim && isWordUnit(s.charCodeAt(j - 1)) && isWordUnit(s.charCodeAt(j))) j--;
  return j > lim ? j : i;
}

/** Moves a cut at `i` forward so it does not split a word (at most MAX_CUT_SHIFT units). */
function cutForward(s: string, i: number): number {
  const lim = Math.min(s.length, i + MAX_CUT_SHIFT);
  let j = i;
  while (j < lim && isWordUnit(s.charCodeAt(j - 1)) && isWordUnit(s.charCodeAt(j))) j++;
  return j < lim ? j : i;
}

/**
 * The windows read from `s`: all of it when it fits the budget (MAX_FEATURE_CHARS units, less for CJK
 * text), else the head (3/8 of the budget), MID_WINDOWS evenly spaced middle windows (3/8) and the
 * tail (1/4), cut at word boundaries, as [start, end) pairs in `out`; returns the number of windows.
 * Depends on the text alone.
 */
export function sampleWindows(s: string, out: Int32Array): number {
  const n = s.length;
  const budget = n <= MAX_FEATURE_CHARS >>> 2 ? n : unitBudget(s);
  if (n <= budget) {
    out[0] = 0;
    out[1] = n;
    return 1;
  }
  const head = (budget * 3) >>> 3;
  const tail = budget >>> 2;
  const mid = Math.floor((budget - head - tail) / MID_WINDOWS);
  let w = 0;
  out[w++] = 0;
  out[w++] = cutBack(s, head);
  const step = (n - head - tail) / MID_WINDOWS;
  for (let j = 0; j < MID_WINDOWS; j++) {
    const c = head + Math.floor(step * (j + 0.5));
    const a = cutForward(s, c - (mid >>> 1));
    const b = cutBack(s, c + (mid >>> 1));
    if (b > a) {
      out[w++] = a;
      out[w++] = b;
    }
  }
  out[w++] = cutForward(s, n - tail);
  out[w++] = n;
  return w >>> 1;
}

const windows = new Int32Array(2 * (MID_WINDOWS + 2));

/**
 * Tokenises the sample of `s` into `toks` (word hashes keyed with key.s1); true when only a sample
 * of the text was read.
 */
export function prepare(key: HashKey, s: string): boolean {
  const nw = sampleWindows(s, windows);
  tokenize(s, toks, key.s1, windows[0], windows[1], false);
  for (let j = 1; j < nw; j++) tokenize(s, toks, key.s1, windows[2 * j], windows[2 * j + 1], true);
  return nw > 1;
}

// ---- shingles ----------------------------------------------------------------------------------

const SHINGLE_SHIFT = 32 - Math.log2(SHINGLE_SAMPLE);
const shingleSet = new U32Set(8);
const tmp: Hash64 = { hi: 0, lo: 0 };
let outBuf = new Uint32Array(256);

/**
 * The sampled shingles of `toks` as interleaved hi,lo hashes: word 3-grams within one window, one in
 * SHINGLE_SAMPLE kept by a mix of the three word hashes (the same 3-gram is always kept or always
 * dropped), each once.
 */
export function sampleShingles(key: HashKey): Uint32Array {
  const n = toks.count;
  const info = toks.info;
  const hash = toks.hash;
  if (outBuf.length < 2 * n + 2) outBuf = new Uint32Array(2 * toks.capacity + 2);
  const buf = outBuf;
  shingleSet.reset(n);
  let ns = 0;
  for (let i = 2; i < n; i++) {
    if ((info[i]! | info[i - 1]!) & TF_BREAK) continue;
    let p = Math.imul(hash[i - 2]!, 0x9e3779b1) ^ Math.imul(hash[i - 1]!, 0x85ebca77) ^ Math.imul(hash[i]!, 0xc2b2ae3d);
    p ^= p >>> 15;
    p = Math.imul(p, 0x2c1b3c6d);
    p ^= p >>> 12;
    if (p >>> SHINGLE_SHIFT !== 0 || !shingleSet.add(p)) continue;
    hashWords(key, hash, i - 2, 3, tmp);
    buf[ns++] = tmp.hi;
    buf[ns++] = tmp.lo;
  }
  return buf.slice(0, ns);
}
