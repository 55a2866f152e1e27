/**
 * The window keeps no merged copy of its epochs' sketches (see core/window.ts): its figures must
 * equal, exactly, those of sketches merged from the live epochs, through every change of regime
 * (sparse union, dense union, an epoch turning dense, epochs expiring, reloads).
 */
import { describe, expect, it } from "vitest";
import { HyperLogLog } from "../../core/hyperloglog";
import { Epoch, EpochWindow } from "../../core/window";
import { Rng } from "../../tools/prng";

const schema = { sketches: { a: 4, b: 6, c: 8 }, counters: ["n"] as const, topicBuckets: 64 };
type W = EpochWindow<"a" | "b" | "c", "n">;
const NAMES = ["a", "b", "c"] as const;
const HOUR = 3_600_000;

function reference(w: W, i: number): number {
  const first = w.live()[0];
  const u = new HyperLogLog(first ? first.sketches[i]!.precision : Object.values(schema.sketches)[i]);
  for (const e of w.live()) u.merge(e.sketches[i]!);
  return u.estimate();
}

function referenceTopics(w: W): number {
  const seen = new Set<number>();
  for (const e of w.live()) for (let b = 0; b < schema.topicBuckets; b++) if (e.topics[b >>> 3]! & (1 << (b & 7))) seen.add(b);
  return seen.size;
}

function check(w: W): void {
  NAMES.forEach((name, i) => {
    expect(w.distinct(name)).toBe(reference(w, i));
  });
  expect(w.counter("n")).toBe(w.live().reduce((n, e) => n + e.counters[0]!, 0));
  expect(w.topicsCovered()).toBe(referenceTopics(w));
  expect(w.figures(0).topics).toBe(referenceTopics(w));
}

describe("EpochWindow without a union copy", () => {
  it("matches sketches merged from the live epochs, step by step, as epochs roll", () => {
    const rng = new Rng(42);
    const w: W = new EpochWindow(schema, 4 * HOUR);
    // A pool of hashes reused across epochs, so the same entry lands in several epochs.
    const pool = Array.from({ length: 3000 }, () => [rng.u32(), rng.u32()] as const);
    let t = 1000 * HOUR;
    for (let step = 0; step < 12_000; step++) {
      t += rng.below(6 * 60_000); // epochs of one hour roll every dozen-odd steps at first, then faster
      if (step === 6000) t += 3 * HOUR; // a gap that expires most epochs at once
      const [hi, lo] = rng.below(3) === 0 ? [rng.u32(), rng.u32()] : pool[rng.below(step < 3000 ? 40 : pool.length)]!;
      const name = NAMES[rng.below(3)]!;
      w.insert(t, name, hi, lo);
      w.count(t, "n");
      w.markTopic(t, rng.below(schema.topicBuckets));
      if (step % 7 === 0) {
        w.expire(t);
        check(w);
      }
    }
  });

  it("matches after a reload from persisted epochs", () => {
    const rng = new Rng(7);
    const w: W = new EpochWindow(schema, 4 * HOUR);
    for (let i = 0; i < 5000; i++) w.insert(10 * HOUR + i * 2000, NAMES[i % 3]!, rng.u32(), rng.u32());
    const now = 10 * HOUR + 5000 * 2000;
    const copy: W = new EpochWindow(schema, 4 * HOUR);
    copy.load(
      w.live().map((e) => Epoch.unmarshal(schema, e.marshal())),
      now,
    );
    w.expire(now);
    for (const name of NAMES) expect(copy.distinct(name)).toBe(w.distinct(name));
    check(copy);
  });

  it("holds no more than its epochs in memory", () => {
    const rng = new Rng(3);
    const w: W = new EpochWindow(schema, 4 * HOUR);
    for (let i = 0; i < 20_000; i++) w.insert(10 * HOUR + i * 700, NAMES[i % 3]!, rng.u32(), rng.u32());
    const epochs = w.live().reduce((n, e) => n + e.byteSize(), 0);
    // counter totals, and one register histogram (16-bit counts of ranks 0..64−p+1) per dense union
    const hists = Object.values(schema.sketches).reduce((n, p) => n + 2 * (64 - p + 2), 0);
    expect(w.byteSize()).toBe(epochs + 8 * schema.counters.length + hists);
  });
});

describe("HyperLogLog union helpers", () => {
  it("unionEstimate equals merging, for sparse, dense and mixed inputs", () => {
    const rng = new Rng(11);
    for (const p of [4, 10, 14]) {
      for (const sizes of [[0], [3, 5], [10, 2000], [5000, 7000, 1], [0, 0, 0]]) {
        const sketches = sizes.map((n) => {
          const h = new HyperLogLog(p);
          for (let i = 0; i < n; i++) h.insert(rng.u32(), rng.u32());
          return h;
        });
        const merged = new HyperLogLog(p);
        for (const s of sketches) merged.merge(s);
        expect(HyperLogLog.unionEstimate(sketches)).toBe(merged.estimate());
        expect(HyperLogLog.unionCount(sketches)).toBe(merged.isSparse ? merged.estimate() : -1);
      }
    }
  });

  it("rankAt and hasEntry see what insert stored", () => {
    const rng = new Rng(5);
    const h = new HyperLogLog(10);
    const slot = { index: 0, rank: 0, entry: 0 };
    const regs = new Uint8Array(1024);
    for (let i = 0; i < 2000; i++) {
      const hi = rng.u32();
      const lo = rng.u32();
      h.locate(hi, lo, slot);
      const wasSparse = h.isSparse;
      h.insert(hi, lo);
      if (wasSparse && h.isSparse) expect(h.hasEntry(slot.entry)).toBe(true);
      regs[slot.index] = Math.max(regs[slot.index]!, slot.rank);
      if (i % 50 === 0) for (let j = 0; j < 1024; j++) expect(h.rankAt(j)).toBe(regs[j]);
    }
    expect(h.isSparse).toBe(false);
    expect(h.hasEntry(slot.entry)).toBe(false);
  });
});
