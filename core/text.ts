/**
 * Text normalisation and tokenisation for feature extraction. Runtime-free: no `cloudflare:*`, no
 * Node APIs, no per-word allocation.
 *
 * Normalisation is lowercase + whitespace collapsing + trimming, not Unicode NFKC. Measured on Node 22
 * (V8, the engine of workerd), per UTF-16 unit: `JSON.parse` of a chat body costs about 0.8 ns
 * (one-byte strings) to 2 ns (two-byte); `toLowerCase` 0.1 ns (one-byte) but 2.5 ns (two-byte, ICU);
 * `replace(/\s+/g, " ")` about 8 ns; any JavaScript loop over the units at least 1.7 ns. NFKC is
 * slower still. So the hot path never builds a normalised copy: `tokenize` walks the original text
 * once, folds case per unit (`lowerUnit`) and hashes each word as it goes, and the detector identifies
 * a text by the sequence of its word hashes and punctuation (see `features.ts`), which is invariant
 * under exactly what `normalise` removes (case and whitespace). `normalise` is kept for callers that
 * need the normalised string itself.
 */
import { C1, C2, fmix32 } from "./hash";

/** Lowercase, every whitespace run (JS `\s`) to one space, trimmed. */
export function normalise(s: string): string {
  // Only runs of two or more, or single non-space whitespace, need replacing; matching those alone is
  // 3–5x faster than /\s+/g on prose, where most whitespace is a single space.
  return s
    .toLowerCase()
    .replace(/\s{2,}|[\t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/g, " ")
    .trim();
}

// ---- character classes -------------------------------------------------------------------------

/** Character classes reported by `charClass`. */
export const CH_OTHER = 0; // punctuation, symbols, emoji halves
export const CH_LETTER = 1;
export const CH_DIGIT = 2;
export const CH_SPACE = 3;
export const CH_CJK = 4; // Han and kana: each character is one word

const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  let k = CH_OTHER;
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) k = CH_LETTER;
  else if (c >= 48 && c <= 57) k = CH_DIGIT;
  else if (c === 32 || (c >= 9 && c <= 13)) k = CH_SPACE;
  ASCII_CLASS[c] = k;
}

/** The class of one UTF-16 code unit. Non-ASCII is classified by ranges, without regexes. */
export function charClass(c: number): number {
  if (c < 128) return ASCII_CLASS[c];
  if (c < 0xc0) return c === 0xa0 || c === 0x85 ? CH_SPACE : c === 0xaa || c === 0xb5 || c === 0xba ? CH_LETTER : CH_OTHER;
  if (c === 0xd7 || c === 0xf7) return CH_OTHER;
  if (c < 0x2000) return c === 0x1680 ? CH_SPACE : CH_LETTER; // Latin, Greek, Cyrillic, Hebrew, Arabic, Indic, …
  if (c < 0x2c00) {
    // general punctuation, super/subscripts, currency, letterlike, arrows, maths, box drawing, dingbats
    if (c <= 0x200a || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f) return CH_SPACE;
    return CH_OTHER;
  }
  if (c < 0x3000) return c >= 0x2e00 && c < 0x2e80 ? CH_OTHER : c >= 0x2e80 ? CH_CJK : CH_LETTER;
  if (c < 0x3040) return c === 0x3000 ? CH_SPACE : c === 0x3005 || c === 0x3007 ? CH_CJK : CH_OTHER;
  if (c < 0x3100) return c === 0x30fb ? CH_OTHER : CH_CJK; // hiragana, katakana
  if (c < 0x3400) return CH_LETTER; // bopomofo, hangul jamo compat, kanbun, …
  if (c < 0xa000) return c < 0x4dc0 || c >= 0x4e00 ? CH_CJK : CH_OTHER; // CJK ext A, unified ideographs
  if (c < 0xd800) return CH_LETTER; // Yi, Hangul syllables (Korean is space separated: letter runs)
  if (c < 0xf900) return CH_OTHER; // surrogates (emoji, rare CJK ext B+), private use
  if (c < 0xfb00) return CH_CJK; // compatibility ideographs
  if (c < 0xfe00) return CH_LETTER; // presentation forms
  if (c < 0xff00) return c === 0xfeff ? CH_SPACE : CH_OTHER; // variation selectors, CJK compat punct, …
  if (c < 0xfff0) {
    // fullwidth forms: ASCII-like letters/digits are letters; halfwidth kana are CJK
    if ((c >= 0xff10 && c <= 0xff19) || (c >= 0xff21 && c <= 0xff3a) || (c >= 0xff41 && c <= 0xff5a)) return CH_LETTER;
    return c >= 0xff66 && c <= 0xff9f ? CH_CJK : CH_OTHER;
  }
  return CH_OTHER;
}

/**
 * Case folding of one UTF-16 unit, context-free: `String.prototype.toLowerCase` of the unit alone in
 * Latin, Greek, Cyrillic and Armenian (U+0000–U+058F) and for fullwidth Latin; other units are returned
 * unchanged. Differs from lowercasing whole strings only in rare spots: U+0130 İ (two units there)
 * folds to "i", and a word-final Σ folds to σ, not ς.
 */
export function lowerUnit(c: number): number {
  if (c < 0x590) return LOWER[c];
  if (c >= 0xff21 && c <= 0xff3a) return c + 32;
  return c;
}

const LOWER = new Uint16Array(0x590);
for (let c = 0; c < 0x590; c++) {
  const l = String.fromCharCode(c).toLowerCase();
  LOWER[c] = l.length === 1 ? l.charCodeAt(0) : c === 0x130 ? 0x69 : c;
}

/** True when the code unit belongs to a word (letter, digit or CJK character). */
export function isWordUnit(c: number): boolean {
  const k = c < 128 ? ASCII_CLASS[c] : charClass(c);
  return k === CH_LETTER || k === CH_DIGIT || k === CH_CJK;
}

// ---- tokens ------------------------------------------------------------------------------------

/** Token kinds (low 3 bits of `Tokens.info`). */
export const TK_WORD = 0; // letters, possibly with a few digits ("gpt4", "mp3")
export const TK_NUMBER = 1; // digits only, shorter than 8
export const TK_ID = 2; // long digit run (≥ 8) or long mixed letters+digits / hex ("3f9a0c21", "a1b2c3d4e5")
export const TK_URL = 3; // scheme://… or www.…, up to whitespace
export const TK_EMAIL = 4; // local@domain, up to whitespace
export const TK_CJK = 5; // one Han or kana character
export const TK_KIND_MASK = 7;

/** Token flags (bits of `Tokens.info` above the kind). */
export const TF_CAP = 1 << 3; // the first character is uppercase
export const TF_NEWLINE = 1 << 4; // the separator before the token holds a line break
export const TF_PARA = 1 << 5; // … two or more line breaks (a paragraph break)
export const TF_COLON = 1 << 6; // … a colon
export const TF_SENTENCE = 1 << 7; // … a sentence end (. ! ? ; and their CJK forms)
export const TF_QUOTED = 1 << 8; // the token is inside a double-quoted span
export const TF_BREAK = 1 << 9; // the token does not follow the previous one in the text (sampled windows)
export const TF_QUESTION = 1 << 10; // … a question mark
export const TF_BULLET = 1 << 11; // … a list bullet or dash (- * • – —) after the last line break
/** The flags that describe the separator before a token. */
export const SEP_FLAGS = TF_NEWLINE | TF_PARA | TF_COLON | TF_SENTENCE | TF_BREAK | TF_QUESTION | TF_BULLET;

/**
 * Word boundaries and word hashes of a text, in struct-of-arrays form and reused across calls (no
 * per-word objects or substrings). Token `i` is `[start[i], end[i])` of the tokenised string.
 */
export class Tokens {
  count = 0;
  start: Int32Array;
  end: Int32Array;
  /** kind | flags */
  info: Uint16Array;
  /** The 32-bit hash of the case-folded word: `hashWord32(key, text.toLowerCase(), start, end)` for the
   * seed `key.s1` given to `tokenize`. */
  hash: Uint32Array;
  /** A 32-bit signature of the punctuation (non-space, non-word units) before the token; 0 when none. */
  sep: Int32Array;
  /** The punctuation signature after the last token. */
  tailSep = 0;
  /** Separator flags after the last token (TF_SENTENCE, TF_QUESTION, TF_COLON, …). */
  tailFlags = 0;

  constructor(capacity = 1024) {
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.info = new Uint16Array(capacity);
    this.hash = new Uint32Array(capacity);
    this.sep = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.start.length;
  }

  /** Makes room for `n` tokens, keeping the first `count`. */
  reserve(n: number): void {
    if (n <= this.start.length) return;
    let cap = this.start.length * 2;
    while (cap < n) cap *= 2;
    const c = this.count;
    const start = new Int32Array(cap);
    start.set(this.start.subarray(0, c));
    const end = new Int32Array(cap);
    end.set(this.end.subarray(0, c));
    const info = new Uint16Array(cap);
    info.set(this.info.subarray(0, c));
    const hash = new Uint32Array(cap);
    hash.set(this.hash.subarray(0, c));
    const sep = new Int32Array(cap);
    sep.set(this.sep.subarray(0, c));
    this.start = start;
    this.end = end;
    this.info = info;
    this.hash = hash;
    this.sep = sep;
  }
}

// Per-unit table for the tokenizer: class in the low 3 bits, separator effects above.
const U_SENTENCE = 1 << 3;
const U_QUESTION = 1 << 4;
const U_COLON = 1 << 5;
const U_BULLET = 1 << 6;
const U_QUOTE_TOGGLE = 1 << 7;
const U_QUOTE_OPEN = 1 << 8;
const U_QUOTE_CLOSE = 1 << 9;
const U_STOP = 1 << 10; // ends an e-mail/URL chunk: whitespace, brackets, quotes
const U_NEWLINE = 1 << 11;
const U_PARA = 1 << 12; // a paragraph break on its own (U+2029, U+2028)
const U_EFFECTS = U_SENTENCE | U_QUESTION | U_COLON | U_BULLET | U_QUOTE_TOGGLE | U_QUOTE_OPEN | U_QUOTE_CLOSE;

function unitInfoSlow(c: number): number {
  const k = charClass(c);
  let u = k;
  if (k === CH_SPACE) u |= U_STOP | (c === 10 || c === 0x85 ? U_NEWLINE : c === 0x2028 || c === 0x2029 ? U_NEWLINE | U_PARA : 0);
  else if (k === CH_OTHER) {
    switch (c) {
      case 46: // .
      case 33: // !
      case 59: // ;
      case 0x3002: // 。
      case 0xff01: // ！
        u |= U_SENTENCE;
        break;
      case 63: // ?
      case 0xff1f: // ？
        u |= U_SENTENCE | U_QUESTION;
        break;
      case 58: // :
      case 0xff1a: // ：
        u |= U_COLON;
        break;
      case 45: // -
      case 42: // *
      case 0x2022: // •
      case 0x2013: // –
      case 0x2014: // —
        u |= U_BULLET;
        break;
      case 34: // "
        u |= U_QUOTE_TOGGLE | U_STOP;
        break;
      case 0x201c: // “
      case 0x00ab: // «
        u |= U_QUOTE_OPEN | U_STOP;
        break;
      case 0x201d: // ”
      case 0x00bb: // »
        u |= U_QUOTE_CLOSE | U_STOP;
        break;
      case 39: // '
      case 40: // (
      case 41: // )
      case 60: // <
      case 62: // >
      case 91: // [
      case 93: // ]
      case 96: // `
      case 123: // {
      case 125: // }
        u |= U_STOP;
        break;
    }
  }
  return u;
}

const UNIT = new Uint16Array(128);
for (let c = 0; c < 128; c++) UNIT[c] = unitInfoSlow(c);

/** ASCII letters and digits to their lowercase unit, everything else to 0. */
const WORD_LOWER = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const k = UNIT[c] & 7;
  WORD_LOWER[c] = k === CH_LETTER || k === CH_DIGIT ? LOWER[c] : 0;
}

function unitInfo(c: number): number {
  return c < 128 ? UNIT[c] : unitInfoSlow(c);
}

function isHex(text: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i) | 32;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function isTrailingPunct(c: number): boolean {
  return c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63;
}

// The word hash is `hashWord32` of core/hash.ts (MurmurHash3 lane 1 over the units, keyed with
// key.s1), computed here on the fly over case-folded units so no lowercased copy is ever built.
// test/core/features.test.ts checks that both agree.

/** `hashWord32(key, text.toLowerCase(), start, end)` for `seed = key.s1`, without the lowercased copy. */
export function foldedWordHash(seed: number, text: string, start: number, end: number): number {
  let h = seed ^ 0x9e3779b9;
  for (let i = start; i < end; i++) {
    let k = Math.imul(lowerUnit(text.charCodeAt(i)), C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h ^ (end - start));
}

/**
 * Splits `text[from, to)` into words in one pass over its code units, folding case and hashing each
 * word as it goes (`Tokens.hash`, keyed with `seed`, normally `key.s1`). With `append` the tokens are
 * added after those already in `out` and the first one is flagged TF_BREAK (used for sampled windows).
 *
 * Words are runs of letters/digits; each Han/kana character is a word of its own; a URL or an e-mail
 * address is one token. The separator before each token is summarised in its flags (line break,
 * paragraph, colon, sentence end, question mark, bullet) and a punctuation signature, so callers can
 * see line structure and punctuation without rescanning.
 */
export function tokenize(text: string, out: Tokens, seed = 0, from = 0, to = text.length, append = false): Tokens {
  if (!append) out.count = 0;
  let count = out.count;
  const base = count;
  const n = Math.min(to, text.length);
  const span = n - from;
  out.reserve(count + (span > 64 ? (span >>> 1) + 2 : span + 1));
  let start = out.start;
  let end = out.end;
  let info = out.info;
  let hashArr = out.hash;
  let sepArr = out.sep;
  let cap = start.length;
  const hseed = seed ^ 0x9e3779b9;
  // separator state
  let sepSig = 0;
  let sepFlags = append && count > 0 ? TF_BREAK : 0;
  let newlines = 0;
  let inQuote = 0;
  let chunkStart = from; // first unit after the last whitespace/bracket: an e-mail address starts there
  let i = from;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c === 32) {
      i++;
      chunkStart = i;
      continue;
    }
    const u = c < 128 ? UNIT[c] : unitInfoSlow(c);
    let k = u & 7;
    if (k === CH_SPACE) {
      if (u & U_NEWLINE) {
        newlines += u & U_PARA ? 2 : 1;
        sepFlags = (sepFlags & ~TF_BULLET) | (newlines >= 2 ? TF_NEWLINE | TF_PARA : TF_NEWLINE);
        if (newlines >= 2) inQuote = 0;
      }
      i++;
      chunkStart = i;
      continue;
    }
    if (k === CH_OTHER) {
      sepSig = (Math.imul(sepSig ^ c, 0x01000193) + 0x3c6ef372) | 0;
      if (u & U_EFFECTS) {
        if (u & U_SENTENCE) sepFlags |= u & U_QUESTION ? TF_SENTENCE | TF_QUESTION : TF_SENTENCE;
        else if (u & U_COLON) sepFlags |= TF_COLON;
        else if (u & U_BULLET) sepFlags |= TF_BULLET;
        else if (u & U_QUOTE_TOGGLE) inQuote ^= 1;
        else if (u & U_QUOTE_OPEN) inQuote = 1;
        else inQuote = 0;
      }
      i++;
      if (u & U_STOP) chunkStart = i;
      continue;
    }
    // a token starts at i
    if (count + 1 >= cap) {
      out.count = count;
      out.reserve(count + 2);
      start = out.start;
      end = out.end;
      info = out.info;
      hashArr = out.hash;
      sepArr = out.sep;
      cap = start.length;
    }
    const s = i;
    let kind = TK_WORD;
    let h = hseed;
    let lc = c < 128 ? LOWER[c] : lowerUnit(c);
    const capital = lc !== c;
    if (k === CH_CJK) {
      kind = TK_CJK;
      let m = Math.imul(lc, C1);
      m = (m << 15) | (m >>> 17);
      h ^= Math.imul(m, C2);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
      i++;
    } else {
      let digits = 0;
      for (;;) {
        digits += (lc - 58) >>> 31; // 1 for a digit (the only word units below 58)
        let m = Math.imul(lc, C1);
        m = (m << 15) | (m >>> 17);
        h ^= Math.imul(m, C2);
        h = (h << 13) | (h >>> 19);
        h = (Math.imul(h, 5) + 0xe6546b64) | 0;
        i++;
        if (i >= n) break;
        c = text.charCodeAt(i);
        if (c < 128) {
          lc = WORD_LOWER[c];
          if (lc === 0) break;
        } else {
          k = charClass(c);
          if (k !== CH_LETTER && k !== CH_DIGIT) break;
          lc = lowerUnit(c);
        }
      }
      const len = i - s;
      if (digits === len) kind = len >= 8 ? TK_ID : TK_NUMBER;
      else if (digits > 0 && (len >= 8 || (len >= 6 && isHex(text, s, i)))) kind = TK_ID;
      // URL: "scheme://…" or "www.…"; e-mail: "…@domain"
      if (i + 1 < n && (c === 58 || c === 46 || c === 64)) {
        if (c === 58) {
          if (len <= 10 && digits < len && i + 2 < n && text.charCodeAt(i + 1) === 47 && text.charCodeAt(i + 2) === 47) kind = TK_URL;
        } else if (c === 46) {
          if (len === 3 && lowerUnit(text.charCodeAt(s)) === 119 && lowerUnit(text.charCodeAt(s + 1)) === 119 && lowerUnit(text.charCodeAt(s + 2)) === 119) kind = TK_URL;
        } else if (isWordUnit(text.charCodeAt(i + 1))) kind = TK_EMAIL;
        if (kind === TK_URL || kind === TK_EMAIL) {
          let e = i;
          while (e < n && (unitInfo(text.charCodeAt(e)) & U_STOP) === 0) e++;
          while (e > i && isTrailingPunct(text.charCodeAt(e - 1))) e--;
          let ts = s;
          if (kind === TK_EMAIL && chunkStart < s) {
            // the local part may hold dots etc.: drop the tokens already emitted for it and take over
            // the separator that stood before the first of them
            while (count > base && start[count - 1] >= chunkStart) {
              count--;
              sepFlags = info[count] & SEP_FLAGS;
              sepSig = sepArr[count];
            }
            ts = chunkStart;
          }
          i = e;
          start[count] = ts;
          end[count] = e;
          info[count] = kind | sepFlags | (inQuote !== 0 ? TF_QUOTED : 0);
          hashArr[count] = foldedWordHash(seed, text, ts, e);
          sepArr[count] = sepSig;
          count++;
          sepSig = 0;
          sepFlags = 0;
          newlines = 0;
          continue;
        }
      }
    }
    start[count] = s;
    end[count] = i;
    info[count] = kind | sepFlags | (inQuote !== 0 ? TF_QUOTED : 0) | (capital ? TF_CAP : 0);
    hashArr[count] = fmix32(h ^ (i - s));
    sepArr[count] = sepSig;
    count++;
    sepSig = 0;
    sepFlags = 0;
    newlines = 0;
  }
  out.count = count;
  out.tailSep = sepSig;
  out.tailFlags = sepFlags;
  return out;
}
