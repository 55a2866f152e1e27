/**
 * What feature extraction derives from the secret once per key and isolate: the keyed hashes of the
 * fixed word lists, the topic salt, and the cache of recurring texts' identity hashes.
 */
import { fmix32, type Hash64, type HashKey } from "../hash";
import { foldedWordHash } from "../text";
import { U32Set } from "./scratch-set";

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

export interface KeyState {
  /** Identity hashes of recurring texts (see `textHash` in ./identity). */
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

export function keyState(key: HashKey): KeyState {
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
