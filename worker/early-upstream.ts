/**
 * Speculative forwarding (SPECULATIVE_UPSTREAM): the upstream request starts while the Durable
 * Objects decide, so their round trip overlaps the upstream's time to first byte instead of adding to
 * it. Nothing is released before the verdict: an allowed request gets the upstream's answer, a
 * refused one is answered 429/403 and its upstream request is aborted (and its answer, if it already
 * came, discarded). Detection is unchanged; the cost is that refused requests reach the upstream.
 *
 * To keep that cost to the first refusal, the isolate remembers accounts it just refused and sends
 * their requests only after the verdict until the refusal's Retry-After has passed.
 */
import type { Decision } from "../durable-objects/protocol";
import type { GuardContext } from "./context";
import { forward } from "./proxy";

export interface EarlyUpstream {
  /** The upstream's answer; rejects with the GuardError forward() throws (502/504). */
  response: Promise<Response>;
  /** Aborts the request and discards an answer that already arrived. */
  cancel(): void;
}

/** account id → ms until which its requests are not sent early */
const refused = new Map<string, number>();
const MAX_REMEMBERED = 10_000;
/** A block without expiry, or a refusal without Retry-After, is remembered this long. */
const DEFAULT_MEMORY_MS = 60_000;

/** Starts the upstream request now, or returns null when the request must wait for its verdict. */
export function startEarly(request: Request, body: ArrayBuffer, gc: GuardContext, accountId: string, now: number): EarlyUpstream | null {
  if (!gc.cfg.SPECULATIVE_UPSTREAM || !gc.cfg.UPSTREAM_URL) return null;
  const until = refused.get(accountId);
  if (until !== undefined) {
    if (until > now) return null;
    refused.delete(accountId);
  }
  const abort = new AbortController();
  const response = forward(request, body, gc.cfg.UPSTREAM_URL, gc.cfg.UPSTREAM_TIMEOUT_MS, abort.signal);
  // Observed when the verdict allows; otherwise its rejection (abort) is expected and dropped.
  response.catch(() => {});
  return {
    response,
    cancel() {
      abort.abort(new Error("refused by the guard"));
      response.then((res) => res.body?.cancel()).catch(() => {});
    },
  };
}

/** Remembers a refusal so the account's next requests wait for their verdict. */
export function noteRefusal(accountId: string, d: Decision, now: number): void {
  const ms = d.retryAfterMs > 0 ? d.retryAfterMs : DEFAULT_MEMORY_MS;
  refused.delete(accountId);
  refused.set(accountId, now + ms);
  if (refused.size > MAX_REMEMBERED) refused.delete(refused.keys().next().value!);
}
