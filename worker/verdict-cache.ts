/**
 * Fingerprint verdicts remembered per isolate, so the response path asks only the account's object.
 *
 * A fingerprint's verdict changes rarely (it takes many accounts' traffic to move), so a verdict
 * fetched or returned within FP_VERDICT_TTL_MS of the request's time is used as it is, and the
 * request's observation goes to the fingerprint's shard after the answer (`ctx.waitUntil`), whose
 * reply refreshes the entry. A fingerprint this isolate has no fresh entry for is asked in parallel
 * with the account, so a new key behind a blocked fingerprint is refused on its first request.
 * Times are request times (the test clock in test mode), so a replay sees the same freshness a live
 * deployment would.
 */
import type { FingerprintVerdict } from "../durable-objects/fingerprint-guard";

interface Entry {
  verdict: FingerprintVerdict;
  at: number;
}

export class VerdictCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly ttlMs: number,
    readonly capacity = 10_000,
  ) {}

  /** The fingerprint's verdict if one was learnt within the TTL before `now` (and not after it). */
  get(fingerprint: string, now: number): FingerprintVerdict | null {
    const e = this.entries.get(fingerprint);
    if (!e || now < e.at || now - e.at >= this.ttlMs) return null;
    return e.verdict;
  }

  /** Records a verdict learnt at `at`; an older answer never replaces a newer one. */
  set(fingerprint: string, verdict: FingerprintVerdict, at: number): void {
    const e = this.entries.get(fingerprint);
    if (e && e.at > at) return;
    this.entries.delete(fingerprint);
    this.entries.set(fingerprint, { verdict, at });
    // Oldest insertion first: a Map iterates in insertion order, and set() re-inserts.
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(fingerprint: string): void {
    this.entries.delete(fingerprint);
  }

  get size(): number {
    return this.entries.size;
  }
}
