import { describe, expect, it } from "vitest";
import { Epoch, EpochWindow, EPOCHS_PER_WINDOW, expectedCoverage } from "../../core/window";
import { SketchDecodeError } from "../../core/sketch-error";
import { Rng } from "../../tools/prng";

const schema = { sketches: { prompts: 10, templates: 8 }, counters: ["requests", "tokens"] as const, topicBuckets: 64 };
const HOUR = 3_600_000;

function fill(w: EpochWindow<"prompts" | "templates", "requests" | "tokens">, rng: Rng, now: number, n: number) {
  for (let i = 0; i < n; i++) {
    w.count(now, "requests");
    w.insert(now, "prompts", rng.u32(), rng.u32());
    w.markTopic(now, i % 64);
  }
}

describe("EpochWindow", () => {
  it("counts and estimates across epochs, and forgets epochs that leave the window", () => {
    const w = new EpochWindow(schema, 4 * HOUR);
    const rng = new Rng(1);
    const t0 = 100 * HOUR;
    fill(w, rng, t0, 100);
    fill(w, rng, t0 + HOUR, 100);
    expect(w.counter("requests")).toBe(200);
    expect(w.distinct("prompts")).toBeGreaterThan(190);
    expect(w.distinct("prompts")).toBeLessThan(210);
    // Four epochs later the first two have left the window.
    fill(w, rng, t0 + (EPOCHS_PER_WINDOW + 1) * HOUR, 10);
    expect(w.counter("requests")).toBe(10);
    expect(w.distinct("prompts")).toBe(10);
    expect(w.topicsCovered()).toBe(10);
  });

  it("keeps the union equal to the merge of its epochs", () => {
    const w = new EpochWindow(schema, 4 * HOUR);
    const rng = new Rng(7);
    for (let h = 0; h < 4; h++) fill(w, rng, 10 * HOUR + h * HOUR, 300);
    const rebuilt = new EpochWindow(schema, 4 * HOUR);
    rebuilt.load(
      [...w.live()].map((e) => Epoch.unmarshal(schema, e.marshal())),
      13 * HOUR,
    );
    expect(rebuilt.distinct("prompts")).toBe(w.distinct("prompts"));
    expect(rebuilt.counter("requests")).toBe(w.counter("requests"));
    expect(rebuilt.topicsCovered()).toBe(w.topicsCovered());
  });

  it("hands out changed epochs once for persistence", () => {
    const w = new EpochWindow(schema, 4 * HOUR);
    fill(w, new Rng(3), 5 * HOUR, 5);
    expect(w.takeDirty().length).toBe(1);
    expect(w.takeDirty().length).toBe(0);
    w.count(5 * HOUR, "tokens", 3);
    expect(w.takeDirty().length).toBe(1);
  });
});

describe("Epoch encoding", () => {
  it("round-trips byte for byte", () => {
    const w = new EpochWindow(schema, 4 * HOUR);
    fill(w, new Rng(9), 8 * HOUR, 500);
    const e = w.live()[0]!;
    const bytes = e.marshal();
    expect(Epoch.unmarshal(schema, bytes).marshal()).toEqual(bytes);
  });

  it("rejects truncated, extended and corrupted records", () => {
    const w = new EpochWindow(schema, 4 * HOUR);
    fill(w, new Rng(11), 8 * HOUR, 50);
    const bytes = w.live()[0]!.marshal();
    expect(() => Epoch.unmarshal(schema, bytes.subarray(0, bytes.length - 1))).toThrow(SketchDecodeError);
    expect(() => Epoch.unmarshal(schema, new Uint8Array([...bytes, 0]))).toThrow(SketchDecodeError);
    const wrongVersion = bytes.slice();
    wrongVersion[0] = 99;
    expect(() => Epoch.unmarshal(schema, wrongVersion)).toThrow(SketchDecodeError);
    const rng = new Rng(5);
    for (let i = 0; i < 500; i++) {
      const c = bytes.slice();
      c[rng.below(c.length)]! ^= 1 << rng.below(8);
      try {
        Epoch.unmarshal(schema, c);
      } catch (err) {
        expect(err).toBeInstanceOf(SketchDecodeError);
      }
    }
  });
});

describe("expectedCoverage", () => {
  it("matches the closed form and its limits", () => {
    expect(expectedCoverage(100, 0)).toBe(0);
    expect(expectedCoverage(100, 1)).toBeCloseTo(1, 10);
    expect(expectedCoverage(100, 10_000)).toBeCloseTo(100, 5);
    // Monte Carlo check of c·(1−(1−1/c)^n).
    const rng = new Rng(2);
    let total = 0;
    for (let trial = 0; trial < 200; trial++) {
      const seen = new Set<number>();
      for (let i = 0; i < 50; i++) seen.add(rng.below(64));
      total += seen.size;
    }
    expect(total / 200).toBeCloseTo(expectedCoverage(64, 50), 0);
  });
});
