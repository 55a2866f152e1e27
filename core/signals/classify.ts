/**
 * What one request is, against what its account already sent (a Ledger of its conversation states
 * and prompts). The account's object classifies each request before it is counted, so every ratio
 * the policy reads is over fresh requests:
 * - a *repeat* (the same conversation state again: an SDK's retry, a person asking again, a padding
 *   campaign's filler) is neither cover for a sweep nor a strike towards escalation;
 * - a history counts as a conversation only when its previous user turn was itself a prompt this
 *   account sent: a fabricated history (turns the guard never saw) is single-shot, and noted.
 *   Clients that trim old turns to fit a context window still pass, since only the last one is read.
 */
import type { Ledger } from "./ledger";

/** Entries (two per fresh request) within which a repeat is a retry rather than a stale re-send. */
export const RETRY_ENTRIES = 16;

export interface PromptClass {
  fresh: boolean;
  history: boolean;
  /** The history's previous turn was sent by this account. */
  verified: boolean;
  /** Fresh, and without a history this account built. */
  singleShot: boolean;
  /** A repeat of something sent long before, not an immediate retry. */
  staleRepeat: boolean;
  /** Fresh and sent within the pace gap after the account's previous fresh request. */
  fast: boolean;
}

export interface PromptIdentity {
  /** Low 32 bits of the new prompt's hash. */
  prompt: number;
  previous: number | null;
  state: number;
  history: boolean;
}

export function classify(ledger: Ledger, p: PromptIdentity, lastFreshAt: number | null, now: number, paceGapMs: number): PromptClass {
  const age = ledger.age(p.state);
  if (age >= 0) return { fresh: false, history: p.history, verified: false, singleShot: false, staleRepeat: age >= RETRY_ENTRIES, fast: false };
  const verified = p.history && p.previous !== null && ledger.has(p.previous);
  ledger.add(p.state);
  ledger.add(p.prompt);
  const fast = lastFreshAt !== null && now >= lastFreshAt && now - lastFreshAt < paceGapMs;
  return { fresh: true, history: p.history, verified, singleShot: !verified, staleRepeat: false, fast };
}

/** A new single-shot prompt, as the account classifies it (for tools that feed fingerprints directly). */
export const FRESH_SINGLE: PromptClass = { fresh: true, history: false, verified: false, singleShot: true, staleRepeat: false, fast: false };
