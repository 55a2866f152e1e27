/**
 * The tokenizer: one pass over a text's code units that finds words, folds their case, hashes them
 * and summarises the punctuation between them, without per-word allocation.
 */
import { C1, C2, fmix32 } from "../hash";
import { CH_CJK, CH_DIGIT, CH_LETTER, CH_OTHER, CH_SPACE, charClass, isWordUnit, LOWER, lowerUnit } from "./chars";
import { SEP_FLAGS, TF_BREAK, TF_BULLET, TF_CAP, TF_COLON, TF_NEWLINE, TF_PARA, TF_QUESTION, TF_QUOTED, TF_SENTENCE, TK_CJK, TK_EMAIL, TK_ID, TK_NUMBER, TK_URL, TK_WORD, type Tokens } from "./tokens";

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
  const k = UNIT[c]! & 7;
  WORD_LOWER[c] = k === CH_LETTER || k === CH_DIGIT ? LOWER[c]! : 0;
}

function unitInfo(c: number): number {
  return c < 128 ? UNIT[c]! : unitInfoSlow(c);
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
    const u = c < 128 ? UNIT[c]! : unitInfoSlow(c);
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
    let lc = c < 128 ? LOWER[c]! : lowerUnit(c);
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
          lc = WORD_LOWER[c]!;
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
            while (count > base && start[count - 1]! >= chunkStart) {
              count--;
              sepFlags = info[count]! & SEP_FLAGS;
              sepSig = sepArr[count]!;
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
