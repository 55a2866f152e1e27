/**
 * Per-request feature extraction: hashes only, runtime-free (no `cloudflare:*`, no Node APIs).
 *
 * Cost model (measured with Node 22 / V8): `JSON.parse` of a chat body costs about 0.8–2 ns per
 * UTF-16 unit, while a bare JavaScript loop over the units costs ~2 ns per unit and this whole
 * extraction ~10 ns per unit of English (~70 ns per token). A pass over a whole 8 KB prompt would cost
 * ~10x the parse, so everything here, including the identity hashes, reads at most MAX_FEATURE_CHARS
 * units of each text (a quarter of that for CJK, which has a token per unit): all of a short text, or
 * the head, the tail and evenly spaced middle windows of a long one (cut at word boundaries and
 * depending on the text alone, so identical texts always give identical features). Nothing builds a
 * lowercased or normalised copy: `tokenize` folds case and hashes words in the same pass.
 */
import { fmix32, hashWords, type Hash64, type HashKey } from "./hash";
import type { Features, PromptInput } from "./types";
import {
  CH_CJK,
  charClass,
  isWordUnit,
  SEP_FLAGS,
  TF_BREAK,
  TF_BULLET,
  TF_CAP,
  TF_COLON,
  TF_NEWLINE,
  TF_PARA,
  TF_QUESTION,
  TF_QUOTED,
  TF_SENTENCE,
  TK_CJK,
  TK_EMAIL,
  TK_ID,
  TK_KIND_MASK,
  TK_NUMBER,
  TK_URL,
  TK_WORD,
  foldedWordHash,
  tokenize,
  Tokens,
} from "./text";

/** Sign bits of the SimHash topic: 1024 fine buckets. */
export const TOPIC_BITS = 10;
export const TOPIC_BUCKETS = 1 << TOPIC_BITS;
/** coarse = topic >>> TOPIC_COARSE_SHIFT: 32 coarse buckets. */
export const TOPIC_COARSE_SHIFT = 5;
/** One distinct word in WORD_SAMPLE is kept (by its hash): estimates multiply the distinct count by it.
 * ShareGPT means: ~3 words for prompts under 200 characters, ~18 from 1 KB up (the sample's cap). */
export const WORD_SAMPLE = 4;
/** One distinct word 3-gram in SHINGLE_SAMPLE is kept (by its hash). ShareGPT means: ~1.4 shingles
 * under 200 characters, ~6 at 200–500, ~13 from 1 KB up; never more than ~35 (64 KB: ~10–15). */
export const SHINGLE_SAMPLE = 8;
/** At most this many UTF-16 units of a text are read (head, tail and middle windows of longer texts).
 * 768 keeps the extraction at ~1.3–1.8x JSON.parse of an 8 KB chat body (~12 µs CPU on a busy 2-core
 * Node 22 box); 1024 measured 1.7–2.2x, 4096 ~5x. */
export const MAX_FEATURE_CHARS = 768;
/** Symbols kept from each end of an instruction in the template frame. */
export const TEMPLATE_HEAD = 6;
export const TEMPLATE_TAIL = 6;

// ---- scratch (an isolate runs one extraction at a time; nothing here outlives a call) ------------

const toks = new Tokens(1024);
let seq = new Uint32Array(1024);
const frame = new Uint32Array(2 * (TEMPLATE_HEAD + TEMPLATE_TAIL + 1) + 4);
const pair = new Uint32Array(2);
const tmp: Hash64 = { hi: 0, lo: 0 };
const topicAcc = new Int32Array(TOPIC_BITS);
let outBuf = new Uint32Array(256);

/** A set of 32-bit values with O(1) clearing (generation stamps). */
class U32Set {
  private keys: Uint32Array;
  private stamps: Uint32Array;
  private gen = 0;
  private bits: number;
  constructor(bits: number) {
    this.bits = bits;
    this.keys = new Uint32Array(1 << bits);
    this.stamps = new Uint32Array(1 << bits);
  }
  /** Empties the set and makes room for `n` values (more must never be added: the table would fill). */
  reset(n: number): void {
    let bits = this.bits;
    while (1 << bits < n * 2) bits++;
    if (bits !== this.bits) {
      this.bits = bits;
      this.keys = new Uint32Array(1 << bits);
      this.stamps = new Uint32Array(1 << bits);
      this.gen = 0;
    }
    this.gen = (this.gen + 1) >>> 0;
    if (this.gen === 0) {
      this.stamps.fill(0);
      this.gen = 1;
    }
  }
  /** Adds `x`; true when it was not there yet. */
  add(x: number): boolean {
    x >>>= 0;
    const mask = (1 << this.bits) - 1;
    let i = Math.imul(x, 0x9e3779b1) >>> (32 - this.bits);
    const keys = this.keys;
    const stamps = this.stamps;
    const gen = this.gen;
    for (;;) {
      if (stamps[i] !== gen) {
        stamps[i] = gen;
        keys[i] = x;
        return true;
      }
      if (keys[i] === x) return false;
      i = (i + 1) & mask;
    }
  }
  has(x: number): boolean {
    x >>>= 0;
    const mask = (1 << this.bits) - 1;
    let i = Math.imul(x, 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      if (this.stamps[i] !== this.gen) return false;
      if (this.keys[i] === x) return true;
      i = (i + 1) & mask;
    }
  }
}

const wordSet = new U32Set(9);
const shingleSet = new U32Set(8);
const topicSet = new U32Set(10);


// ---- per-key state -----------------------------------------------------------------------------

/**
 * Words left out of the topic: English function words and the vocabulary of asking ("write",
 * "explain", "following", …), which every topic shares.
 */
const STOPWORDS = (
  "a about above across after again against all almost along already also although always am among an and another any anyone " +
  "anything are around as at away back be became because become been before being below between both but by can cannot could " +
  "did do does doing done down during each either else enough etc even ever every everything few for from further get gets " +
  "getting got had has have having he her here hers herself him himself his how however i if in into is it its itself just " +
  "least less let like likely lot lots made many may maybe me might mine more most much must my myself near need needs neither " +
  "never no nor not nothing now of off often on once one only onto or other others otherwise our ours ourselves out over own " +
  "per perhaps quite rather really same several shall she should since so some someone something sometimes still such than that " +
  "the their theirs them themselves then there therefore these they thing things this those though through thus to together too " +
  "toward towards under unless until up upon us very via was way ways we well were what whatever when where whether which while " +
  "who whom whose why will with within without would yes yet you your yours yourself yourselves " +
  "s t d ll m re ve don doesn didn isn aren wasn weren won wouldn shouldn couldn haven hasn hadn " +
  "two three four five six seven eight nine ten first second third last next new old " +
  "please thanks thank hi hello hey ok okay sure want wants know think make makes use used using give tell write written " +
  "rewrite create generate provide explain describe list show find help try keep take add answer question questions following " +
  "given based below example examples text sentence sentences word words paragraph article summary summarize summarise response " +
  "output input format include includes including better good great best different specific similar type types kind " +
  "information detail details point points part parts step steps"
).split(" ");

/** Words that point at the input: after the instruction ("the following", "below") or before it ("the above"). */
const FORWARD_WORDS = ["following", "below", "given"];
const BACKWARD_WORDS = ["above", "previous", "preceding"];

interface KeyState {
  texts: Map<string, Hash64>;
  stop: U32Set;
  forward: U32Set;
  backward: U32Set;
  topicSalt: number;
}

const keyStates = new WeakMap<HashKey, KeyState>();

function wordSet32(key: HashKey, words: string[]): U32Set {
  const set = new U32Set(4);
  set.reset(words.length);
  for (const w of words) if (w) set.add(foldedWordHash(key.s1, w, 0, w.length));
  return set;
}

function keyState(key: HashKey): KeyState {
  let st = keyStates.get(key);
  if (!st) {
    st = {
      texts: new Map(),
      stop: wordSet32(key, STOPWORDS),
      forward: wordSet32(key, FORWARD_WORDS),
      backward: wordSet32(key, BACKWARD_WORDS),
      topicSalt: fmix32(key.s2 ^ 0x7f4a7c15),
    };
    keyStates.set(key, st);
  }
  return st;
}

// ---- bounded sample of long texts --------------------------------------------------------------

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

/** Whether the last `prepare` read only a sample of its text. */
let sampled = false;

/** Tokenises the sample of `s` into `toks` (word hashes keyed with key.s1). */
function prepare(key: HashKey, s: string): void {
  const nw = sampleWindows(s, windows);
  sampled = nw > 1;
  tokenize(s, toks, key.s1, windows[0], windows[1], false);
  for (let j = 1; j < nw; j++) tokenize(s, toks, key.s1, windows[2 * j], windows[2 * j + 1], true);
  if (seq.length < toks.count + 4) seq = new Uint32Array(toks.capacity + 4);
}

// ---- identity of a text ------------------------------------------------------------------------

const TAG_TEXT = 0x74787431; // "txt1"
const TAG_TEMPLATE = 0x746d7031; // "tmp1"
const TAG_WORD = 0x77726431; // "wrd1"

/**
 * The identity of a text from its tokens: the sequence of case-folded word hashes with the
 * punctuation between them. Whitespace and case do not enter, so two texts with the same `normalise`
 * form get the same hash (up to the context-dependent lowercasings `lowerUnit` does not do: a
 * word-final Σ, a dotted İ). Texts longer than the budget of `sampleWindows` are identified by their
 * sample and their length: a retry of the same text always matches, an edit outside the sampled
 * windows goes unseen (and a whitespace change moves the windows, so it usually changes the hash).
 */
function textHashFromTokens(key: HashKey, rawLength: number, out: Hash64): Hash64 {
  const n = toks.count;
  const sep = toks.sep;
  const h = toks.hash;
  seq[0] = TAG_TEXT;
  seq[1] = sampled ? rawLength : 0;
  for (let i = 0; i < n; i++) seq[i + 2] = h[i] ^ Math.imul(sep[i], 0x9e3779b1);
  seq[n + 2] = toks.tailSep;
  return hashWords(key, seq, 0, n + 3, out);
}

/** Texts that recur across requests (an app's system prompt, the first turn of a conversation) are
 * hashed once per isolate: a Map lookup costs a native string hash and compare, far less than
 * tokenising. Bounded: at most TEXT_CACHE_MAX entries of at most TEXT_CACHE_CHARS units. */
const TEXT_CACHE_MAX = 256;
const TEXT_CACHE_CHARS = 16384;

function textHash(key: HashKey, st: KeyState, s: string): Hash64 {
  const cacheable = s.length >= 64 && s.length <= TEXT_CACHE_CHARS;
  if (cacheable) {
    const hit = st.texts.get(s);
    if (hit) return { hi: hit.hi, lo: hit.lo };
  }
  prepare(key, s);
  const h = textHashFromTokens(key, s.length, { hi: 0, lo: 0 });
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
  prepare(key, s);
  return textHashFromTokens(key, s.length, { hi: 0, lo: 0 });
}

/** No non-whitespace unit (the JS `\s` set, as in `normalise`); a native scan. */
function isBlank(s: string): boolean {
  return !NON_SPACE.test(s);
}
const NON_SPACE = /\S/;

// ---- template ----------------------------------------------------------------------------------

// Placeholders: fixed values that a 32-bit word hash may equal with probability 2^-32 per word.
const PH_NUM = 0x4e554d30;
const PH_ID = 0x49443030;
const PH_URL = 0x55524c30;
const PH_EMAIL = 0x454d4c30;
const PH_QUOTE = 0x51544530;
const PH_NAME = 0x4e414d30;
const PH_SLOT = 0x534c5430;
const PH_GAP = 0x47415030;

/** An instruction line or clause has at most this many words. */
const PREFIX_MAX = 40;
/** A "Label:" opening a line has at most this many words ("Title:", "Context:"). */
const LABEL_MAX = 1;
/** A closing instruction line has at most this many words. */
const SUFFIX_MAX = 40;
/** A closing cue ("Answer:", "TL;DR:", "Sentiment (positive/negative):") has at most this many words. */
const CUE_MAX = 6;
/** Capitalised mid-sentence words (names) an instruction may hold… */
const NAMES_MAX = 1;
/** … or, for an instruction that is its own paragraph, at most one in NAMES_RATIO of its words. */
const NAMES_RATIO = 4;

// collapsed symbols of the prompt: symbol, separator flags before it, first token, tokens behind it
let csym = new Uint32Array(1024);
let cflag = new Uint16Array(1024);
let ctok = new Int32Array(1024);
let cw = new Uint16Array(1024);

function isPlaceholder(s: number): boolean {
  return s === PH_NUM || s === PH_ID || s === PH_URL || s === PH_EMAIL || s === PH_QUOTE || s === PH_NAME;
}

/** The template symbol of token i: its word hash, or a placeholder for variable content. */
function symbolOf(i: number): number {
  const f = toks.info[i];
  const kind = f & TK_KIND_MASK;
  if (kind === TK_NUMBER) return PH_NUM;
  if (kind === TK_ID) return PH_ID;
  if (kind === TK_URL) return PH_URL;
  if (kind === TK_EMAIL) return PH_EMAIL;
  if (f & TF_QUOTED) return PH_QUOTE;
  // a capitalised word that does not open a sentence or line: a name
  if (f & TF_CAP && i > 0 && (f & (TF_SENTENCE | TF_NEWLINE | TF_COLON | TF_BREAK)) === 0 && kind === TK_WORD && toks.end[i] - toks.start[i] > 1) return PH_NAME;
  return toks.hash[i];
}

function countNames(a: number, b: number): number {
  let k = 0;
  for (let i = a; i < b; i++) if (csym[i] === PH_NAME) k += cw[i];
  return k;
}

/** Length of the symbols [a, b) in words (a run of names counts each name, a quoted span one). */
function weight(a: number, b: number): number {
  let k = 0;
  for (let i = a; i < b; i++) k += cw[i];
  return k;
}

function hasAny(set: U32Set, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (set.has(csym[i])) return true;
  return false;
}

/** A list item: a bullet, or "A." / "1)" / "b:" at the start of the line. */
function isListItem(k: number, m: number): boolean {
  if (cflag[k] & TF_BULLET) return true;
  if (k + 1 >= m) return false;
  const t = ctok[k];
  const short = csym[k] === PH_NUM || toks.end[t] - toks.start[t] === 1;
  return short && (toks.sep[ctok[k + 1]] !== 0 || (cflag[k + 1] & (TF_SENTENCE | TF_COLON)) !== 0);
}

/** Appends the symbols [a, b) to the frame: all of them, or the first TEMPLATE_HEAD and last TEMPLATE_TAIL. */
function pushPart(f: number, a: number, b: number): number {
  if (b - a <= TEMPLATE_HEAD + TEMPLATE_TAIL) {
    for (let i = a; i < b; i++) frame[f++] = csym[i];
  } else {
    for (let i = a; i < a + TEMPLATE_HEAD; i++) frame[f++] = csym[i];
    frame[f++] = PH_GAP;
    for (let i = b - TEMPLATE_TAIL; i < b; i++) frame[f++] = csym[i];
  }
  return f;
}

/**
 * Builds the template frame of the tokenised prompt into `frame`; returns its length.
 *
 * Variable content is masked to placeholders (numbers, long digit/hex ids, URLs, e-mail addresses,
 * double-quoted spans, capitalised mid-sentence words), runs of one placeholder collapse, and then the
 * instruction is looked for at both ends:
 * - prefix: the first line if short, or its first clause up to ":" or "?", or (for long instructions)
 *   the first paragraph when a blank line follows it. A prefix that holds several names is input.
 *   A single word before a colon ("Title:", "Context:") is a field label, not an instruction.
 * - suffix: the last line if short (for one-line texts without a prefix: the last sentence), not a
 *   list item, few names; "Question: <value>" keeps only its label.
 * Each end gets a score (prefix: 1, or 3 when it ends in a colon or a paragraph break, 2 for a long
 * paragraph; +2 for "following"/"below"/"given", +2 when the next line opens with a field label;
 * suffix: 1, 2 when it is its own paragraph, 3 for a short cue ending in ":"; +2 for
 * "above"/"previous"). The stronger end is the instruction (ties go to the prefix unless the suffix is
 * a cue); everything else becomes one SLOT. Frame: [label] SLOT suffix, or prefix SLOT, where each
 * part keeps its first TEMPLATE_HEAD and last TEMPLATE_TAIL symbols. With no instruction found, the
 * frame is the first and last symbols of the whole masked text.
 *
 * Measured on ../shared/data: 80.7% of the 27k T0 rows share the most common frame of their template
 * (142 templates); the six batch jobs of the dev scenario 98–100%; twelve synthetic batch shapes
 * (instruction before or after, colon, blank line, labels, cues) over 300 ShareGPT texts 91–100%
 * (mean 97.6%); 100 consecutive Alpaca rows give 100 distinct frames, ShareGPT 98.6–99.9. Misses: an
 * input whose first line looks like an instruction (short, few capitals) when the real instruction
 * is at the end without "above"; a prefix instruction followed by one line break (not a blank line)
 * and an input that ends in its own short paragraph. Capitalised words are names, so "Translate to
 * French" and "Translate to German" share a frame.
 */
function buildFrame(st: KeyState): number {
  const n = toks.count;
  if (csym.length < n + 1) {
    csym = new Uint32Array(toks.capacity + 1);
    cflag = new Uint16Array(toks.capacity + 1);
    ctok = new Int32Array(toks.capacity + 1);
    cw = new Uint16Array(toks.capacity + 1);
  }
  const info = toks.info;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const s = symbolOf(i);
    const fl = info[i] & SEP_FLAGS;
    if (m > 0 && s === csym[m - 1] && isPlaceholder(s) && (fl & TF_BREAK) === 0) {
      if (s === PH_NAME && cw[m - 1] < 0xffff) cw[m - 1]++;
      continue;
    }
    csym[m] = s;
    cflag[m] = fl;
    ctok[m] = i;
    cw[m] = 1;
    m++;
  }
  const LINE = TF_NEWLINE | TF_BREAK;
  // end of the first line and of the first paragraph
  let e0 = 1;
  while (e0 < m && (cflag[e0] & LINE) === 0) e0++;
  let p0 = e0;
  while (p0 < m && (cflag[p0] & (TF_PARA | TF_BREAK)) === 0) p0++;

  // prefix: an instruction at the start
  let pEnd = -1;
  let pScore = 0;
  let label = false;
  if (m > 0) {
    const lineLen = weight(0, e0);
    let cut = -1;
    let w = 0;
    for (let k = 1; k < e0 && w <= PREFIX_MAX; k++) {
      w += cw[k - 1];
      if (csym[k - 1] === PH_QUOTE) continue;
      if (cflag[k] & (TF_COLON | TF_QUESTION)) {
        cut = k;
        break;
      }
    }
    if (cut > 0 && cut <= LABEL_MAX && cflag[cut] & TF_COLON) {
      label = true;
      pEnd = cut;
    } else if (cut > 0 && weight(0, cut) <= PREFIX_MAX) {
      pEnd = cut;
      pScore = cflag[cut] & TF_COLON ? 3 : 1;
    } else if (lineLen <= PREFIX_MAX) {
      pEnd = e0;
      pScore = e0 < m && cflag[e0] & (TF_PARA | TF_COLON) ? 3 : 1;
    } else if (p0 < m && cflag[p0] & TF_PARA) {
      pEnd = p0;
      pScore = 2;
    }
    if (pScore > 0) {
      const names = countNames(0, pEnd);
      if (names > NAMES_MAX && (names * NAMES_RATIO > weight(0, pEnd) || pEnd !== p0)) {
        pEnd = -1;
        pScore = 0;
      } else {
        if (pScore !== 2 && hasAny(st.forward, 0, pEnd)) pScore += 2;
        if (pEnd === e0 && e0 + 1 < m && cflag[e0 + 1] & TF_COLON && csym[e0] !== PH_QUOTE) pScore += 2;
      }
    }
  }

  // suffix: an instruction at the end
  let sStart = -1;
  let sEnd = m;
  let sScore = 0;
  let cue = false;
  const rest = pEnd > 0 ? pEnd : 0;
  if (m > 0 && rest < m) {
    let lastLine = m - 1;
    while (lastLine > 0 && (cflag[lastLine] & LINE) === 0) lastLine--;
    let cand = -1;
    if (lastLine > 0 && lastLine >= rest && (cflag[lastLine] & TF_NEWLINE) !== 0) cand = lastLine;
    else if (pScore === 0) {
      // one line (or a sampled window) and no prefix: the last sentence
      for (let k = m - 1; k > Math.max(rest, lastLine); k--) {
        if (cflag[k] & TF_SENTENCE && csym[k - 1] !== PH_QUOTE) {
          cand = k;
          break;
        }
      }
    }
    if (cand > 0) {
      const sw = weight(cand, m);
      if (sw <= SUFFIX_MAX && !isListItem(cand, m) && countNames(cand, m) <= NAMES_MAX) {
        sStart = cand;
        cue = sw <= CUE_MAX && (toks.tailFlags & TF_COLON) !== 0;
        sScore = cue ? 3 : cflag[cand] & TF_PARA ? 2 : 1;
        if (hasAny(st.backward, cand, m)) sScore += 2;
        for (let k = cand + 1; k <= Math.min(m - 1, cand + LABEL_MAX + 1); k++) {
          if (cflag[k] & TF_COLON) {
            sEnd = k;
            break;
          }
        }
      }
    }
  }

  const suffixMode = sScore > 0 && (sScore > pScore || (sScore === pScore && cue));
  let f = 0;
  frame[f++] = TAG_TEMPLATE;
  if (suffixMode) {
    if (label) f = pushPart(f, 0, pEnd);
    frame[f++] = PH_SLOT;
    f = pushPart(f, sStart, sEnd);
    if (sEnd < m) frame[f++] = PH_SLOT;
  } else if (pEnd > 0) {
    f = pushPart(f, 0, pEnd);
    if (pEnd < m) frame[f++] = PH_SLOT;
  } else {
    f = pushPart(f, 0, m);
  }
  return f;
}

/**
 * The template frame of `text` in readable form ("translate to <NAME> <SLOT>"), for tests and for
 * tuning; `extractFeatures(...).template` is the hash of the same frame.
 */
export function explainTemplate(key: HashKey, text: string): string {
  prepare(key, text);
  const f = buildFrame(keyState(key));
  const names = new Map<number, string>([
    [PH_NUM, "<NUM>"],
    [PH_ID, "<ID>"],
    [PH_URL, "<URL>"],
    [PH_EMAIL, "<EMAIL>"],
    [PH_QUOTE, "<QUOTE>"],
    [PH_NAME, "<NAME>"],
    [PH_SLOT, "<SLOT>"],
    [PH_GAP, "…"],
  ]);
  const words = new Map<number, string>();
  for (let i = 0; i < toks.count; i++) words.set(toks.hash[i], text.slice(toks.start[i], toks.end[i]).toLowerCase());
  const parts: string[] = [];
  for (let i = 1; i < f; i++) parts.push(names.get(frame[i]) ?? words.get(frame[i]) ?? "?");
  return parts.join(" ");
}

// ---- topic -------------------------------------------------------------------------------------

/**
 * SimHash (random-hyperplane LSH) over the distinct content words of the prompt sample: each word
 * (stopwords and words of one letter left out, each counted once) votes ±1 on TOPIC_BITS bits taken
 * from a keyed hash of the word; bit j of the topic is set when the votes for it are positive.
 */
function topicOf(st: KeyState): number {
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
    const kind = info[i] & TK_KIND_MASK;
    if (kind !== TK_WORD && kind !== TK_CJK) continue;
    if (kind === TK_WORD && end[i] - start[i] < 2) continue;
    const w = hash[i];
    if (stop.has(w) || !topicSet.add(w)) continue;
    const t = fmix32(w ^ salt);
    lo += SPREAD5[t & 31];
    hi += SPREAD5[(t >>> 5) & 31];
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
    const votes = 2 * topicAcc[j];
    if (votes > words || (votes === words && (ties >>> j) & 1)) topic |= 1 << j;
  }
  return topic;
}

/** SPREAD5[x]: bit b of x moved to bit 6b. */
const SPREAD5 = new Int32Array(32);
for (let x = 0; x < 32; x++) for (let b = 0; b < 5; b++) if (x & (1 << b)) SPREAD5[x] |= 1 << (6 * b);

function flushVotes(lo: number, hi: number): void {
  for (let b = 0; b < 5; b++) {
    topicAcc[b] += (lo >>> (6 * b)) & 63;
    topicAcc[b + 5] += (hi >>> (6 * b)) & 63;
  }
}

// ---- features ----------------------------------------------------------------------------------

const WORD_MASK = WORD_SAMPLE - 1;
const SHINGLE_SHIFT = 32 - Math.log2(SHINGLE_SAMPLE);

/**
 * Extracts the hashed features of one request. Deterministic for a key and an input; never keeps
 * or returns any text.
 */
export function extractFeatures(key: HashKey, input: PromptInput): Features {
  const st = keyState(key);
  const turns = input.userTurns;
  const nTurns = turns.length;
  const last = nTurns > 0 ? turns[nTurns - 1] : "";
  let chars = input.system.length;
  for (let i = 0; i < nTurns; i++) chars += turns[i].length;

  const system = isBlank(input.system) ? null : textHash(key, st, input.system);
  const conversation = nTurns > 1 ? textHash(key, st, turns[0]) : null;

  // the new prompt: everything below works on its tokens
  prepare(key, last);
  const n = toks.count;
  const info = toks.info;
  const hash = toks.hash;
  const prompt = textHashFromTokens(key, last.length, { hi: 0, lo: 0 });
  const template = hashWords(key, frame, 0, buildFrame(st), { hi: 0, lo: 0 });

  if (outBuf.length < 2 * n + 2) outBuf = new Uint32Array(2 * toks.capacity + 2);
  const buf = outBuf;

  // words: distinct words, one in WORD_SAMPLE kept by its 32-bit hash; the 64-bit value is a hash of
  // that, so the sampling predicate leaves all 64 bits uniform for the sketches
  wordSet.reset(n);
  let nw = 0;
  pair[1] = TAG_WORD;
  for (let i = 0; i < n; i++) {
    const w = hash[i];
    if ((w & WORD_MASK) !== 0 || !wordSet.add(w)) continue;
    pair[0] = w;
    hashWords(key, pair, 0, 2, tmp);
    buf[nw++] = tmp.hi;
    buf[nw++] = tmp.lo;
  }
  const words = buf.slice(0, nw);

  // shingles: word 3-grams within one window, one in SHINGLE_SAMPLE kept by a mix of the three word
  // hashes (the same 3-gram is always kept or always dropped)
  shingleSet.reset(n);
  let ns = 0;
  for (let i = 2; i < n; i++) {
    if ((info[i] | info[i - 1]) & TF_BREAK) continue;
    let p = Math.imul(hash[i - 2], 0x9e3779b1) ^ Math.imul(hash[i - 1], 0x85ebca77) ^ Math.imul(hash[i], 0xc2b2ae3d);
    p ^= p >>> 15;
    p = Math.imul(p, 0x2c1b3c6d);
    p ^= p >>> 12;
    if (p >>> SHINGLE_SHIFT !== 0 || !shingleSet.add(p)) continue;
    hashWords(key, hash, i - 2, 3, tmp);
    buf[ns++] = tmp.hi;
    buf[ns++] = tmp.lo;
  }
  const shingles = buf.slice(0, ns);

  const topic = topicOf(st);

  return {
    prompt,
    conversation: conversation ?? { hi: prompt.hi, lo: prompt.lo },
    template,
    system,
    words,
    shingles,
    topic,
    turns: nTurns,
    chars,
    tokens: Math.ceil(chars / 4),
  };
}
