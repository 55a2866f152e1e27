/** What the tokenizer produces: token kinds and flags, and the reusable token arrays. */

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
