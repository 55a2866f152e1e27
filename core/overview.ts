/**
 * The overview's counts: how many requests were served, throttled and blocked, by cause, and in
 * shadow mode how many enforcement would have throttled or blocked, per minute of request time.
 * Each isolate tallies its own requests in memory and sends the tally to one object now and then
 * (worker/overview.ts), so counting costs no Durable Object round trip on a request's path.
 */
import type { Decision } from "./decision";

/** What the guard did with a request, and why. "wouldThrottle"/"wouldBlock" are shadow verdicts, counted on top of "served". */
export type Outcome = "served" | "throttled" | "blocked" | "wouldThrottle" | "wouldBlock";
export const OUTCOMES: readonly Outcome[] = ["served", "throttled", "blocked", "wouldThrottle", "wouldBlock"];

export const MINUTE_MS = 60_000;

/** Counts of one minute, keyed `outcome/cause` (e.g. `blocked/extraction`, `served/none`, `served/graduated`). */
export interface MinuteCounts {
  /** Minute start, ms since the Unix epoch (request time). */
  t: number;
  counts: Record<string, number>;
}

/** The `outcome/cause` keys one decision counts under: one for what happened, one more in shadow mode. */
export function outcomeKeys(d: Pick<Decision, "action" | "cause" | "shadow" | "suspect">): string[] {
  const keys: string[] = [];
  if (d.action === "allow") keys.push(d.suspect ? "served/graduated" : d.cause === "error" ? "served/error" : "served/none");
  else keys.push(`${d.action === "block" ? "blocked" : "throttled"}/${d.cause}`);
  if (d.shadow && d.shadow.action !== "allow") keys.push(`${d.shadow.action === "block" ? "wouldBlock" : "wouldThrottle"}/extraction`);
  return keys;
}

/** An isolate's pending counts, by minute. */
export class Tally {
  private minutes = new Map<number, Record<string, number>>();
  private n = 0;

  add(now: number, keys: readonly string[]): void {
    const t = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    let m = this.minutes.get(t);
    if (!m) this.minutes.set(t, (m = {}));
    for (const k of keys) m[k] = (m[k] ?? 0) + 1;
    this.n++;
  }

  /** Requests counted since the last take. */
  get size(): number {
    return this.n;
  }

  /** Empties the tally and returns what it held. */
  take(): MinuteCounts[] {
    const out = [...this.minutes].map(([t, counts]) => ({ t, counts }));
    this.minutes = new Map();
    this.n = 0;
    return out;
  }

  /** Puts back counts that could not be sent. */
  restore(minutes: readonly MinuteCounts[]): void {
    for (const { t, counts } of minutes) {
      const m = this.minutes.get(t) ?? {};
      for (const [k, v] of Object.entries(counts)) m[k] = (m[k] ?? 0) + v;
      this.minutes.set(t, m);
    }
  }
}

export interface OverviewBucket {
  start: number;
  end: number;
  counts: Record<string, number>;
}

export interface Overview {
  from: number;
  to: number;
  bucketMs: number;
  /** Sums over the range, keyed `outcome/cause`, plus one total per outcome (`served`, `blocked`, ...). */
  totals: Record<string, number>;
  /** Every bucket of the range, oldest first, empty ones included. */
  series: OverviewBucket[];
}

/** Adds per-outcome totals (`blocked` = every `blocked/…`) to `outcome/cause` counts. */
export function withTotals(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = { ...Object.fromEntries(OUTCOMES.map((o) => [o, 0])), ...counts };
  for (const [k, v] of Object.entries(counts)) {
    const outcome = k.split("/")[0]!;
    if (k.includes("/")) out[outcome] = (out[outcome] ?? 0) + v;
  }
  return out;
}

/** Sums minutes into buckets of `bucketMs` covering [from, to). */
export function bucketize(minutes: readonly MinuteCounts[], from: number, to: number, bucketMs: number): Overview {
  const start = Math.floor(from / bucketMs) * bucketMs;
  const series: OverviewBucket[] = [];
  for (let s = start; s < to; s += bucketMs) series.push({ start: s, end: s + bucketMs, counts: {} });
  const sums: Record<string, number> = {};
  for (const m of minutes) {
    // Minutes, or buckets already summed with the same alignment (durable-objects/overview-stats.ts).
    const b = m.t < to ? series[Math.floor((m.t - start) / bucketMs)] : undefined;
    if (!b) continue;
    for (const [k, v] of Object.entries(m.counts)) {
      b.counts[k] = (b.counts[k] ?? 0) + v;
      sums[k] = (sums[k] ?? 0) + v;
    }
  }
  return { from, to, bucketMs, totals: withTotals(sums), series: series.map((b) => ({ ...b, counts: withTotals(b.counts) })) };
}

/** A bucket size that cuts [from, to) into at most `maxBuckets` buckets, from a list of round sizes. */
export function bucketFor(from: number, to: number, maxBuckets = 48): number {
  const sizes = [1, 5, 15, 30, 60, 180, 360, 720, 1440].map((m) => m * MINUTE_MS);
  return sizes.find((s) => Math.ceil((to - from) / s) <= maxBuckets) ?? sizes[sizes.length - 1]!;
}
