/**
 * What each subject keeps per epoch. Precisions are chosen so a heavy subject's window stays near
 * 16 KB (see `npm run bench`); small subjects stay in the sparse form and cost far less.
 */
import { TOPIC_BUCKETS } from "../core/features";
import type { WindowSchema } from "../core/window";

/**
 * Counters both subjects keep of fresh requests (see core/signals/classify.ts): fresh requests, those
 * whose history the account never held, those with a history, those asking for a reasoning trace or
 * a rubric, and single-shot ones phrased as dataset tasks.
 */
const PROMPT_COUNTERS = ["fresh", "unverified", "history", "elicit", "task"] as const;

export const ACCOUNT_SCHEMA = {
  sketches: { prompts: 10, templates: 10, conversations: 9, shingles: 9, networks: 7, endUsers: 8, staleRepeats: 8 },
  // shingleSamples: sampled shingles sent (de-duplicated per request only), against which the
  // shingle sketch's distinct count measures near-duplicates.
  // Appended only (core/window.ts reads older epochs with the new ones at zero). Every counter after
  // `tokens` counts fresh requests only: not a repeat of what the account sent before. taskTurns:
  // fresh requests with a history whose new turn is phrased as a dataset task.
  counters: ["requests", "tokens", "singleShot", "harvest", "shingleSamples", ...PROMPT_COUNTERS, "fast", "staleRepeats", "longOutput", "taskTurns"] as const,
  topicBuckets: TOPIC_BUCKETS,
  v1Counters: 5,
} satisfies WindowSchema<string, string>;

export type AccountSketch = keyof typeof ACCOUNT_SCHEMA.sketches;
export type AccountCounter = (typeof ACCOUNT_SCHEMA.counters)[number];

export const FINGERPRINT_SCHEMA = {
  // Appended only. The `…Accounts` sketches hold the accounts that sent at least one request with
  // that evidence: a fingerprint speaks for its accounts only when most of them carry it.
  sketches: { prompts: 10, templates: 9, accounts: 9, pairs: 10, harvestAccounts: 7, elicitAccounts: 7, taskAccounts: 7, unverifiedAccounts: 7 },
  counters: ["requests", "tokens", "singleShot", "harvest", ...PROMPT_COUNTERS] as const,
  topicBuckets: TOPIC_BUCKETS,
  v1Counters: 4,
} satisfies WindowSchema<string, string>;

export type FingerprintSketch = keyof typeof FINGERPRINT_SCHEMA.sketches;
export type FingerprintCounter = (typeof FINGERPRINT_SCHEMA.counters)[number];
