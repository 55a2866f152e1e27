/**
 * Text normalisation and tokenisation for feature extraction. Runtime-free: no `cloudflare:*`, no
 * Node APIs, no per-word allocation. ./normalise explains why the hot path never builds a normalised
 * copy; ./chars classifies and folds single units; ./tokens is what ./tokenize fills.
 */
export { CH_CJK, CH_DIGIT, CH_LETTER, CH_OTHER, CH_SPACE, charClass, isWordUnit, lowerUnit } from "./chars";
export { normalise } from "./normalise";
export { foldedWordHash, tokenize } from "./tokenize";
export {
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
  Tokens,
} from "./tokens";
