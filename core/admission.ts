/**
 * How a request is admitted against its account's classic limits and, for an app that names its end
 * users, against the share of them one end user may take. Tokens are charged afterwards: the prompt's
 * (estimated) tokens at admission, the completion's once the answer has passed (`settle`). A request
 * is admitted while its prompt fits what is left, whatever `max_tokens` it asks for, since today's
 * SDKs send 32k–64k on every request; an account whose answers are long still runs out, because
 * every answer it was given is charged before its next requests are judged.
 */
import type { LimitState } from "./decision";
import { charge, gcra, peek, type Limit, type LimitResult } from "./limits";

/** Theoretical arrival times of one subject's two limits. */
export interface Tats {
  requests: number;
  tokens: number;
}

export interface Quotas {
  requests: Limit;
  tokens: Limit;
}

/** A subject charged by a request: the account, or one of its end users. */
export interface Charged {
  quotas: Quotas;
  tats: Tats;
}

/** Which limit refused, as the reason says it. */
export type LimitKind = "request" | "token" | "end-user request" | "end-user token";

export interface Admission {
  allowed: boolean;
  /** The first limit that refused (account before end user, requests before tokens). */
  refused: { which: LimitKind; limit: Limit } | null;
  retryAfterMs: number;
  /** What the RateLimit headers show: remaining after this request's charge (its prompt tokens). */
  states: LimitState[];
  /** Times to store; unchanged when refused. */
  account: Tats;
  endUser: Tats | null;
}

/** The end users' limits: `share` of the account's quota each (at least one unit); null when off. */
export function endUserQuotas(account: Quotas, requestShare: number, tokenShare: number): Quotas | null {
  if (requestShare <= 0 && tokenShare <= 0) return null;
  const part = (l: Limit, share: number, name: string): Limit => ({ name, quota: share > 0 ? Math.max(1, Math.floor(l.quota * share)) : l.quota, periodMs: l.periodMs });
  return { requests: part(account.requests, requestShare, "end-user-requests"), tokens: part(account.tokens, tokenShare, "end-user-tokens") };
}

function untouched(limit: Limit, tat: number, now: number): LimitResult {
  return { allowed: true, remaining: peek(limit, tat, now), resetMs: Math.max(0, tat - now), retryAfterMs: 0, tat };
}

function state(limit: Limit, r: LimitResult): LimitState {
  return { name: limit.name, quota: limit.quota, windowS: limit.periodMs / 1000, remaining: r.remaining, resetS: Math.ceil(r.resetMs / 1000) };
}

/**
 * Charges one request against the account and its end user (null: none named, or shares off). A
 * request without a prompt (pass-through paths) is charged for requests only. Nothing is stored
 * unless every limit admits it.
 */
export function admit(account: Charged, endUser: Charged | null, promptTokens: number | null, now: number): Admission {
  const subjects = endUser ? [account, endUser] : [account];
  const results = subjects.map((s) => ({
    requests: gcra(s.quotas.requests, s.tats.requests, now),
    tokens: promptTokens === null ? untouched(s.quotas.tokens, s.tats.tokens, now) : gcra(s.quotas.tokens, s.tats.tokens, now, promptTokens),
  }));
  const kinds: [LimitKind, LimitKind][] = [
    ["request", "token"],
    ["end-user request", "end-user token"],
  ];
  let refused: Admission["refused"] = null;
  let retryAfterMs = 0;
  results.forEach((r, i) => {
    const s = subjects[i]!;
    const [reqKind, tokKind] = kinds[i]!;
    if (!r.requests.allowed) refused ??= { which: reqKind, limit: s.quotas.requests };
    if (!r.tokens.allowed) refused ??= { which: tokKind, limit: s.quotas.tokens };
    retryAfterMs = Math.max(retryAfterMs, r.requests.retryAfterMs, r.tokens.retryAfterMs);
  });
  const allowed = refused === null;
  // A refused request charges nothing: its limits show what is left now, a refusing one 0.
  const shown = (limit: Limit, tat: number, r: LimitResult): LimitState => state(limit, allowed || !r.allowed ? r : untouched(limit, tat, now));
  const states = results.flatMap((r, i) => {
    const s = subjects[i]!;
    return [shown(s.quotas.requests, s.tats.requests, r.requests), shown(s.quotas.tokens, s.tats.tokens, r.tokens)];
  });
  const tatsOf = (i: number): Tats => (allowed ? { requests: results[i]!.requests.tat, tokens: results[i]!.tokens.tat } : subjects[i]!.tats);
  return { allowed, refused, retryAfterMs, states, account: tatsOf(0), endUser: endUser ? tatsOf(1) : null };
}

/** Charges the completion tokens of an answer that has passed; never refuses (see `charge`). */
export function settle(c: Charged, tokens: number, now: number): Tats {
  return { requests: c.tats.requests, tokens: charge(c.quotas.tokens, c.tats.tokens, now, tokens) };
}
