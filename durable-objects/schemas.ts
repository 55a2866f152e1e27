/**
 * What each subject keeps per epoch. Precisions are chosen so a heavy subject's window stays near
 * 16 KB (see `npm run bench`); small subjects stay in the sparse form and cost far less.
 */
import { TOPIC_BUCKETS } from "../core/features";
import type { WindowSchema } from "../core/window";

export const ACCOUNT_SCHEMA = {
  sketches: { prompts: 10, templates: 10, conversations: 9, shingles: 9, networks: 7, endUsers: 8 },
  // shingleSamples: sampled shingles sent (de-duplicated per request only), against which the
  // shingle sketch's distinct count measures near-duplicates.
  counters: ["requests", "tokens", "singleShot", "harvest", "shingleSamples"] as const,
  topicBuckets: TOPIC_BUCKETS,
} satisfies WindowSchema<string, string>;

export type AccountSketch = keyof typeof ACCOUNT_SCHEMA.sketches;
export type AccountCounter = (typeof ACCOUNT_SCHEMA.counters)[number];

export const FINGERPRINT_SCHEMA = {
  sketches: { prompts: 10, templates: 9, accounts: 9, pairs: 10 },
  counters: ["requests", "tokens", "singleShot", "harvest"] as const,
  topicBuckets: TOPIC_BUCKETS,
} satisfies WindowSchema<string, string>;

export type FingerprintSketch = keyof typeof FINGERPRINT_SCHEMA.sketches;
export type FingerprintCounter = (typeof FINGERPRINT_SCHEMA.counters)[number];
