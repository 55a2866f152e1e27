import { describe, expect, it } from "vitest";
import { bucketFor, bucketize, MINUTE_MS, outcomeKeys, Tally, type MinuteCounts } from "../../core/overview";

const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);

describe("overview counts", () => {
  it("counts each decision once by what happened and cause, and once more in shadow for what enforcement would have done", () => {
    expect(outcomeKeys({ action: "allow", cause: "none" })).toEqual(["served/none"]);
    expect(outcomeKeys({ action: "allow", cause: "none", suspect: true })).toEqual(["served/graduated"]);
    expect(outcomeKeys({ action: "allow", cause: "error" })).toEqual(["served/error"]);
    expect(outcomeKeys({ action: "throttle", cause: "rate" })).toEqual(["throttled/rate"]);
    expect(outcomeKeys({ action: "block", cause: "override" })).toEqual(["blocked/override"]);
    expect(outcomeKeys({ action: "allow", cause: "none", shadow: { action: "block", reasons: [] } })).toEqual(["served/none", "wouldBlock/extraction"]);
    expect(outcomeKeys({ action: "throttle", cause: "rate", shadow: { action: "throttle", reasons: [] } })).toEqual(["throttled/rate", "wouldThrottle/extraction"]);
    expect(outcomeKeys({ action: "allow", cause: "none", shadow: { action: "allow", reasons: [] } })).toEqual(["served/none"]);
  });

  it("tallies per minute of request time, empties on take and takes back what could not be sent", () => {
    const t = new Tally();
    t.add(T0 + 1000, ["served/none"]);
    t.add(T0 + 59_999, ["served/none", "wouldBlock/extraction"]);
    t.add(T0 + MINUTE_MS, ["blocked/extraction"]);
    expect(t.size).toBe(3);
    const taken = t.take();
    expect(taken).toEqual([
      { t: T0, counts: { "served/none": 2, "wouldBlock/extraction": 1 } },
      { t: T0 + MINUTE_MS, counts: { "blocked/extraction": 1 } },
    ]);
    expect(t.size).toBe(0);
    expect(t.take()).toEqual([]);
    t.add(T0, ["served/none"]);
    t.restore(taken);
    expect(t.take()).toEqual([
      { t: T0, counts: { "served/none": 3, "wouldBlock/extraction": 1 } },
      { t: T0 + MINUTE_MS, counts: { "blocked/extraction": 1 } },
    ]);
  });

  it("sums minutes into every bucket of the range, empty ones included, with per-outcome totals that add up", () => {
    const minutes: MinuteCounts[] = [
      { t: T0, counts: { "served/none": 5, "throttled/rate": 1 } },
      { t: T0 + 4 * MINUTE_MS, counts: { "served/none": 2, "blocked/extraction": 3, "blocked/override": 1 } },
      { t: T0 + 20 * MINUTE_MS, counts: { "served/none": 7 } },
    ];
    const o = bucketize(minutes, T0, T0 + 15 * MINUTE_MS, 5 * MINUTE_MS);
    expect(o.series.map((b) => b.start)).toEqual([T0, T0 + 5 * MINUTE_MS, T0 + 10 * MINUTE_MS]);
    expect(o.series[0]!.counts).toMatchObject({ served: 7, throttled: 1, blocked: 4, "blocked/extraction": 3, wouldBlock: 0 });
    expect(o.series[1]!.counts.served).toBe(0);
    // The minute after the range is left out.
    expect(o.totals).toMatchObject({ served: 7, throttled: 1, blocked: 4, wouldThrottle: 0, wouldBlock: 0 });
    const summed = o.series.reduce((n, b) => n + b.counts.served!, 0);
    expect(summed).toBe(o.totals.served);
  });

  it("picks a round bucket that keeps a range within 48 buckets", () => {
    expect(bucketFor(T0, T0 + 30 * MINUTE_MS)).toBe(MINUTE_MS);
    expect(bucketFor(T0, T0 + 86_400_000)).toBe(30 * MINUTE_MS);
    for (const range of [1, 7, 60, 600, 3000, 86_400 / 60, 7 * 1440]) {
      const b = bucketFor(T0, T0 + range * MINUTE_MS);
      expect(Math.ceil((range * MINUTE_MS) / b)).toBeLessThanOrEqual(48);
    }
  });
});
