/**
 * What the edge Worker and the Durable Objects exchange over RPC. Only hashes and counts cross this
 * boundary: never an API key or prompt text. Objects know which subject they are from their own
 * name (`ctx.id.name`), so observations do not carry it.
 */
import type { PromptClass } from "../core/signals/classify";
export type { ExtractionVerdict } from "../core/verdict";
export type { Decision, LimitState } from "../core/decision";

/** The shard of a fingerprint that an account's traffic goes to: the same one every time. */
export function shardOf(account: [number, number], shards: number): number {
  return shards <= 1 ? 0 : (account[0] >>> 0) % shards;
}

/**
 * A fingerprint id's first letter says what it names: a client setup (TLS stack, user agent, request
 * shape) or that client on one network. Only the second is evidence of shared infrastructure.
 */
export const FINGERPRINT_PREFIX = { stack: "s", network: "n" } as const;

export function isNetworkFingerprint(id: string): boolean {
  return id.startsWith(FINGERPRINT_PREFIX.network);
}

/** The object name of one shard of a fingerprint. */
export function fingerprintShardName(fingerprint: string, shard: number): string {
  return `${fingerprint}/${shard}`;
}

/** The fingerprint and shard an object name stands for (the inverse of fingerprintShardName). */
export function parseFingerprintShardName(name: string): { fingerprint: string; shard: number } | null {
  const at = name.lastIndexOf("/");
  const shard = Number(name.slice(at + 1));
  return at > 0 && Number.isSafeInteger(shard) && shard >= 0 ? { fingerprint: name.slice(0, at), shard } : null;
}

/**
 * What a fingerprint id was hashed from: the TLS fingerprint and user agent, and for a network
 * fingerprint the ASN and address prefix (IPv4 /24, IPv6 /48). Kept by the fingerprint's objects so
 * operators can share them as indicators (worker/operator-campaigns.ts); never a key or prompt.
 */
export interface FingerprintClient {
  ja4: string | null;
  ua: string | null;
  asn: number | null;
  prefix: string | null;
}

/** A 64-bit hash as [hi, lo]. */
export type Hash = [number, number];

export interface PromptObservation {
  prompt: Hash;
  template: Hash;
  conversation: Hash;
  /** Interleaved hi,lo pairs. */
  shingles: Uint32Array;
  topic: number;
  /** The request carries a conversation history (earlier turns), verified or not. */
  history: boolean;
  /** Low 32 bits of the previous user turn's prompt hash, when there is one. */
  previous: number | null;
  /** The request's conversation state (see worker/observation.ts). */
  state: number;
  /** Elicitation and task-style cue bits (core/signals/cues). */
  cues: number;
  /** Scoring parameters: logprobs or n > 1. */
  harvest: boolean;
  /** An explicit max_tokens of 4096 or more: no evidence alone (SDK defaults), see core/policy.ts. */
  longOutput: boolean;
  tokens: number;
  /** Unmasked words of the template frame, and words of the new prompt (core/signals/frames.ts). */
  frameWords?: number;
  words?: number;
}

export interface AccountObservation {
  now: number;
  /** Absent on pass-through paths, which are only rate limited. */
  prompt: PromptObservation | null;
  /** Hash of the client network (ASN and address prefix), when known. */
  network: Hash | null;
  /** Hash of an end-user id the caller passed, when any. */
  endUser: Hash | null;
  fingerprints: string[];
  /**
   * Keyed hash of the client's Idempotency-Key with the account, method, path and body: a retry
   * carrying it is not counted twice (see durable-objects/idempotency.ts). Absent without the header.
   */
  idempotency?: string | null;
  /** The request's `model`, printable and capped (core/campaigns/models.ts); absent when it names none. */
  model?: string | null;
}

export interface FingerprintObservation {
  now: number;
  account: Hash;
  /** Keyed hash of (account, prompt): their distinct count is the sum of the accounts' distinct prompts. */
  pair: Hash;
  prompt: PromptObservation;
  /** What the account's object found the request to be (fresh, history verified...). */
  seen: PromptClass;
  /** The account's id, kept in a short list of recent accounts for operators. */
  accountId?: string;
  /** As AccountObservation.idempotency: a retry is not counted twice by the fingerprint either. */
  idempotency?: string | null;
  /** What the fingerprint id was built from; the object keeps the first it is sent. */
  client?: FingerprintClient;
}

/** An answer's completion tokens, charged to the account once the answer has passed. */
export interface Settlement {
  /** The request's time: its answer is charged as of then, as its prompt was. */
  now: number;
  tokens: number;
  /** As AccountObservation.endUser: the end user the answer was for, charged too. */
  endUser: Hash | null;
}

/** The object name of an instruction frame's cross-account tally (one object per frame). */
export function frameObjectName(template: Hash): string {
  return `frame/${(template[0] >>> 0).toString(16).padStart(8, "0")}${(template[1] >>> 0).toString(16).padStart(8, "0")}`;
}

/** What a frame's object learns of one request, after the answer: 32-bit keyed hashes only. */
export interface FrameObservation {
  now: number;
  account: number;
  prompt: number;
  /** The account's id, so a frame judged later can reach the keys that swept it before. */
  accountId?: string;
}
