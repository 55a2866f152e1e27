import { describe, expect, it } from "vitest";
import { epochSeries } from "../../core/series";
import { Epoch, EpochWindow } from "../../core/window";
import { Rng } from "../../tools/prng";

const schema = { sketches: { prompts: 10, templates: 8 }, counters: ["requests"] as const, topicBuckets: 64 };
const HOUR = 3_600_000;

describe("epochSeries", () => {
  it("gives each epoch's own figures and the window's figures as of its end", () => {
    const w = new EpochWindow(schema, 4 * HOUR);
    const rng = new Rng(7);
    const t0 = 1000 * HOUR;
    const seen: [number, number][] = [];
    for (let i = 0; i < 100; i++) {
      const h: [number, number] = [rng.u32(), rng.u32()];
      seen.push(h);
      w.count(t0, "requests");
      w.insert(t0, "prompts", h[0], h[1]);
      w.markTopic(t0, i % 10);
    }
    // The next epoch repeats half of the prompts: its own count is 100, the window's about 150.
    for (let i = 0; i < 100; i++) {
      const h = i < 50 ? seen[i]! : [rng.u32(), rng.u32()];
      w.count(t0 + HOUR, "requests");
      w.insert(t0 + HOUR, "prompts", h[0]!, h[1]!);
      w.markTopic(t0 + HOUR, 5 + (i % 10));
    }
    const s = epochSeries(schema, w.live(), w.epochMs);
    expect(s.length).toBe(2);
    expect(s[0]).toMatchObject({ start: t0, end: t0 + HOUR, requests: 100, topics: 10, window: { requests: 100, topics: 10 } });
    expect(s[1]).toMatchObject({ requests: 100, topics: 10, window: { requests: 200, topics: 15 } });
    expect(s[1]!.prompts).toBeGreaterThan(95);
    expect(s[1]!.window.prompts).toBeGreaterThan(140);
    expect(s[1]!.window.prompts).toBeLessThan(160);
    expect(s[1]!.window.prompts).toBe(Math.round(w.distinct("prompts")));
  });

  it("merges epochs of several shards by index, without counting shared prompts twice", () => {
    const a = new Epoch(schema, 5);
    const b = new Epoch(schema, 5);
    for (let i = 0; i < 40; i++) a.sketches[0]!.insert(i, i * 7 + 1);
    for (let i = 20; i < 60; i++) b.sketches[0]!.insert(i, i * 7 + 1);
    a.counters[0] = 40;
    b.counters[0] = 40;
    const s = epochSeries(schema, [b, a], HOUR);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ start: 5 * HOUR, requests: 80, prompts: 60, window: { requests: 80, prompts: 60 } });
    expect(epochSeries(schema, [], HOUR)).toEqual([]);
  });
});
