/**
 * Character classes and case folding of single UTF-16 code units, by table and by range: the
 * tokenizer calls these per unit, so no regexes and no string building.
 */

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
  if (c < 128) return ASCII_CLASS[c]!;
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
  if (c < 0x590) return LOWER[c]!;
  if (c >= 0xff21 && c <= 0xff3a) return c + 32;
  return c;
}

export const LOWER = new Uint16Array(0x590);
for (let c = 0; c < 0x590; c++) {
  const l = String.fromCharCode(c).toLowerCase();
  LOWER[c] = l.length === 1 ? l.charCodeAt(0) : c === 0x130 ? 0x69 : c;
}

/** True when the code unit belongs to a word (letter, digit or CJK character). */
export function isWordUnit(c: number): boolean {
  const k = c < 128 ? ASCII_CLASS[c] : charClass(c);
  return k === CH_LETTER || k === CH_DIGIT || k === CH_CJK;
}
