import { describe, expect, it } from "vitest";
import { hashKeyFromWords, hashString, type Hash64 } from "../../core/hash";
import { HyperLogLog } from "../../core/hyperloglog";
import { SketchDecodeError } from "../../core/sketch-error";
import { Rng } from "../../tools/prng";
import { meanStd } from "./stats";

/** 1.04/√m: the asymptotic relative standard error of HyperLogLog. */
const rse = (p: number) => 1.04 / Math.sqrt(1 << p);

/** A dense sketch with every register 0, so small-n tests exercise the estimator, not the sparse count. */
function emptyDense(p: number): HyperLogLog {
  const bytes = new Uint8Array(3 + (3 << p) / 4);
  bytes.set([1, 2, p]);
  return HyperLogLog.unmarshal(bytes);
}

function randomHashes(rng: Rng, n: number): Hash64[] {
  const out: Hash64[] = [];
  for (let i = 0; i < n; i++) out.push(rng.hash());
  return out;
}

function sketchOf(p: number, hashes: Hash64[]): HyperLogLog {
  const h = new HyperLogLog(p);
  for (const x of hashes) h.insertHash(x);
  return h;
}

/** Relative errors of `trials` independent sketches of n distinct random hashes. */
function relativeErrors(p: number, n: number, trials: number, seed: number, dense = false): number[] {
  const rng = new Rng(seed);
  const errors: number[] = [];
  for (let t = 0; t < trials; t++) {
    const h = dense ? emptyDense(p) : new HyperLogLog(p);
    for (let i = 0; i < n; i++) h.insert(rng.u32(), rng.u32());
    errors.push(h.estimate() / n - 1);
  }
  return errors;
}

/** Packs registers the way marshal documents it, so malformed dense inputs can be built by hand. */
function denseBytes(p: number, regs: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + (3 << p) / 4);
  out.set([1, 2, p]);
  for (let r = 0, o = 3; r < regs.length; r += 4, o += 3) {
    const v = regs[r]! | (regs[r + 1]! << 6) | (regs[r + 2]! << 12) | (regs[r + 3]! << 18);
    out[o] = v & 0xff;
    out[o + 1] = (v >>> 8) & 0xff;
    out[o + 2] = v >>> 16;
  }
  return out;
}

function sparseBytes(p: number, entries: number[], count = entries.length): Uint8Array {
  const out = new Uint8Array(7 + 4 * entries.length);
  out.set([1, 1, p]);
  const view = new DataView(out.buffer);
  view.setUint32(3, count, true);
  entries.forEach((e, i) => {
    view.setUint32(7 + 4 * i, e >>> 0, true);
  });
  return out;
}

describe("HyperLogLog basics", () => {
  it("validates precision", () => {
    expect(new HyperLogLog().precision).toBe(10);
    for (const p of [3, 17, 10.5, NaN]) expect(() => new HyperLogLog(p)).toThrow(RangeError);
    expect(new HyperLogLog(4).precision).toBe(4);
    expect(new HyperLogLog(16).precision).toBe(16);
  });

  it("reports state changes and ignores duplicates", () => {
    const h = new HyperLogLog(10);
    expect(h.estimate()).toBe(0);
    expect(h.insert(0x12345678, 0x9abcdef0)).toBe(true);
    expect(h.insert(0x12345678, 0x9abcdef0)).toBe(false);
    expect(h.insertHash({ hi: 0x12345678, lo: 0x9abcdef0 })).toBe(false);
    expect(h.estimate()).toBe(1);
    const d = emptyDense(10);
    expect(d.insert(0x12345678, 0x9abcdef0)).toBe(true);
    expect(d.insert(0x12345678, 0x9abcdef0)).toBe(false);
  });

  it("computes index and rank from the 64-bit hash, capped at 64 − p + 1", () => {
    const p = 10;
    const cases: [number, number, number, number][] = [
      // hi, lo, index, rank
      [0xffc00000, 0, 1023, 55],
      [0x00200000, 0, 0, 1],
      [0x00000001, 0, 0, 22],
      [0x00000000, 0x80000000, 0, 23],
      [0x00000000, 0x00000001, 0, 54],
      [0x00000000, 0x00000000, 0, 55],
      [0x00400000 | 0x00000100, 7, 1, 14],
    ];
    for (const [hi, lo, index, rank] of cases) {
      const h = emptyDense(p);
      h.insert(hi, lo);
      const regs = new Uint8Array(1 << p);
      regs[index] = rank;
      expect(h.marshal()).toEqual(denseBytes(p, regs));
      // the sparse entry converts to the same register
      const s = new HyperLogLog(p);
      s.insert(hi, lo);
      s.merge(emptyDense(p));
      expect(s.marshal()).toEqual(denseBytes(p, regs));
    }
  });

  it("switches to dense right after m/4 sparse entries, when sparse would outgrow dense", () => {
    const rng = new Rng(7);
    const h = new HyperLogLog(10);
    let distinct = 0;
    while (distinct < 256) if (h.insertHash(rng.hash())) distinct++;
    expect(h.isSparse).toBe(true);
    expect(h.byteSize()).toBe(1024);
    expect(h.estimate()).toBe(256);
    while (!h.insertHash(rng.hash()));
    expect(h.isSparse).toBe(false);
    expect(h.byteSize()).toBe(1024);
  });

  it("holds few bytes while small", () => {
    const rng = new Rng(8);
    const sizes: Record<number, number> = {};
    for (const n of [0, 10, 100, 1000]) sizes[n] = sketchOf(10, randomHashes(rng, n)).byteSize();
    expect(sizes).toEqual({ 0: 0, 10: 64, 100: 512, 1000: 1024 });
  });

  it("clone is independent and reset empties", () => {
    const rng = new Rng(9);
    for (const n of [50, 5000]) {
      const h = sketchOf(10, randomHashes(rng, n));
      const c = h.clone();
      expect(c.marshal()).toEqual(h.marshal());
      expect(c.estimate()).toBe(h.estimate());
      for (let i = 0; i < 2000; i++) c.insertHash(rng.hash());
      expect(c.marshal()).not.toEqual(h.marshal());
      h.reset();
      expect(h.isSparse).toBe(true);
      expect(h.estimate()).toBe(0);
      expect(h.byteSize()).toBe(0);
      expect(h.marshal()).toEqual(new HyperLogLog(10).marshal());
    }
  });
});

describe("HyperLogLog accuracy", () => {
  it("is exact in the sparse form", () => {
    const rng = new Rng(11);
    let trials = 0;
    let exact = 0;
    for (const n of [1, 2, 5, 10, 50, 100, 200, 256]) {
      for (let t = 0; t < 200; t++) {
        const h = new HyperLogLog(10);
        for (let i = 0; i < n; i++) h.insert(rng.u32(), rng.u32());
        expect(h.isSparse).toBe(true);
        const e = h.estimate();
        // a shared entry needs equal index, extra bits and rank: ≈ 2^−26/3 per pair
        expect(e === n || e === n - 1).toBe(true);
        trials++;
        if (e === n) exact++;
      }
    }
    expect(exact / trials).toBeGreaterThanOrEqual(0.999);
    // the largest sparse form, p = 16: 16384 entries
    const big = new HyperLogLog(16);
    for (let i = 0; i < 16384; i++) big.insert(rng.u32(), rng.u32());
    expect(big.isSparse).toBe(true);
    expect(big.estimate()).toBeGreaterThanOrEqual(16384 - 3);
  });

  it.each([
    [10, 1000, 200],
    [10, 10_000, 200],
    [10, 100_000, 200],
    [4, 1000, 400],
    [12, 20_000, 200],
    [14, 100_000, 100],
    [16, 200_000, 40],
  ])("p = %i, n = %i: relative standard error within 1.3 × 1.04/√m over %i trials", (p, n, trials) => {
    const { mean, std } = meanStd(relativeErrors(p, n, trials, p * 1_000_003 + n));
    expect(std).toBeLessThan(1.3 * rse(p));
    // Mean within ~3.5 standard errors, plus the estimator's known +1.08/m bias from using α∞ at finite m
    // (0.1 % at p = 10, 7 % at p = 4; measured with 20 000 trials).
    expect(Math.abs(mean)).toBeLessThan((3.5 * rse(p)) / Math.sqrt(trials) + 1.1 / (1 << p));
  });

  it.each([10, 100, 256, 1000])("the estimator itself is accurate on a dense sketch at n = %i", (n) => {
    const { mean, std } = meanStd(relativeErrors(10, n, 200, 31 + n, true));
    expect(std).toBeLessThan(1.3 * rse(10));
    expect(Math.abs(mean)).toBeLessThan((3.5 * rse(10)) / Math.sqrt(200));
  });

  it("has no bias spike around the sparse→dense switch", () => {
    const means: number[] = [];
    for (const n of [240, 256, 257, 260, 272, 300, 384]) {
      const { mean, std } = meanStd(relativeErrors(10, n, 300, 77 + n));
      expect(std).toBeLessThan(1.3 * rse(10));
      expect(Math.abs(mean)).toBeLessThan(0.006);
      means.push(mean);
    }
    // exact below, unbiased dense above: no step between 256 and 257
    expect(Math.abs(means[2]! - means[1]!)).toBeLessThan(0.006);
  });

  it("keeps its accuracy on keyed string hashes from core/hash", () => {
    const rng = new Rng(123);
    const n = 5000;
    const errors: number[] = [];
    const out = { hi: 0, lo: 0 };
    for (let t = 0; t < 200; t++) {
      const key = hashKeyFromWords(rng.u32(), rng.u32(), rng.u32(), rng.u32());
      const h = new HyperLogLog(10);
      for (let i = 0; i < n; i++) h.insertHash(hashString(key, `prompt #${i} of trial`, out));
      errors.push(h.estimate() / n - 1);
    }
    const { mean, std } = meanStd(errors);
    expect(std).toBeLessThan(1.3 * rse(10));
    expect(Math.abs(mean)).toBeLessThan((3.5 * rse(10)) / Math.sqrt(200));
  });
});

describe("HyperLogLog merge", () => {
  const permutations: [number, number, number][] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];

  it.each([
    ["all sparse, sparse union", [40, 50, 60]],
    ["all sparse, dense union", [100, 120, 150]],
    ["mixed", [30, 2000, 200]],
    ["all dense", [3000, 5000, 700]],
  ])("is order independent and equals direct insertion (%s)", (_label, sizes) => {
    const rng = new Rng(sizes[0]! * 31 + sizes[1]!);
    const shared = randomHashes(rng, 20);
    const parts = sizes.map((n) => [...shared, ...randomHashes(rng, n)]);
    const sketches = parts.map((hs) => sketchOf(10, hs));
    const whole = sketchOf(10, parts.flat()).marshal();
    for (const [a, b, c] of permutations) {
      const m = sketches[a]!.clone();
      m.merge(sketches[b]!);
      m.merge(sketches[c]!);
      expect(m.marshal()).toEqual(whole);
      // associativity: a ∪ (b ∪ c)
      const bc = sketches[b]!.clone();
      bc.merge(sketches[c]!);
      const m2 = sketches[a]!.clone();
      m2.merge(bc);
      expect(m2.marshal()).toEqual(whole);
    }
  });

  it.each([100, 400, 600, 10_000])("merging disjoint halves of %i items gives the sketch of the whole", (n) => {
    const rng = new Rng(n);
    const all = randomHashes(rng, n);
    const a = sketchOf(10, all.slice(0, n / 2));
    const b = sketchOf(10, all.slice(n / 2));
    const whole = sketchOf(10, all);
    a.merge(b);
    expect(a.marshal()).toEqual(whole.marshal());
    expect(a.isSparse).toBe(whole.isSparse);
    expect(a.estimate()).toBe(whole.estimate());
  });

  it.each([50, 5000])("is idempotent (n = %i)", (n) => {
    const h = sketchOf(10, randomHashes(new Rng(n), n));
    const before = h.marshal();
    const estimate = h.estimate();
    h.merge(h);
    expect(h.marshal()).toEqual(before);
    h.merge(h.clone());
    expect(h.marshal()).toEqual(before);
    expect(h.estimate()).toBe(estimate);
  });

  it("merges sparse into dense and dense into sparse", () => {
    const rng = new Rng(99);
    const small = randomHashes(rng, 100);
    const large = randomHashes(rng, 3000);
    const whole = sketchOf(10, [...small, ...large]).marshal();
    const s1 = sketchOf(10, small);
    const d1 = sketchOf(10, large);
    d1.merge(s1);
    expect(d1.marshal()).toEqual(whole);
    expect(s1.isSparse).toBe(true);
    const s2 = sketchOf(10, small);
    const d2 = sketchOf(10, large);
    s2.merge(d2);
    expect(s2.isSparse).toBe(false);
    expect(s2.marshal()).toEqual(whole);
    // no aliasing: the source stays as it was
    const d2Before = d2.marshal();
    s2.insertHash(rng.hash());
    for (let i = 0; i < 1000; i++) s2.insertHash(rng.hash());
    expect(d2.marshal()).toEqual(d2Before);
  });

  it("refreshes the estimate after a merge", () => {
    const rng = new Rng(5);
    const a = sketchOf(10, randomHashes(rng, 5000));
    const b = sketchOf(10, randomHashes(rng, 5000));
    const before = a.estimate();
    a.merge(b);
    expect(a.estimate()).toBeGreaterThan(before * 1.5);
  });

  it("rejects a precision mismatch", () => {
    const a = new HyperLogLog(10);
    expect(() => a.merge(new HyperLogLog(11))).toThrow(RangeError);
  });
});

describe("HyperLogLog encoding", () => {
  it.each([
    [10, 0],
    [10, 1],
    [10, 100],
    [10, 256],
    [10, 257],
    [10, 100_000],
    [4, 3],
    [4, 1000],
    [16, 10_000],
    [16, 100_000],
  ])("round-trips p = %i, n = %i byte-identically", (p, n) => {
    const h = sketchOf(p, randomHashes(new Rng(p * 7 + n), n));
    const bytes = h.marshal();
    expect(bytes[0]).toBe(1);
    expect(bytes[1]).toBe(h.isSparse ? 1 : 2);
    expect(bytes[2]).toBe(p);
    expect(bytes.length).toBe(h.isSparse ? 7 + 4 * h.estimate() : 3 + (3 << p) / 4);
    const back = HyperLogLog.unmarshal(bytes);
    expect(back.precision).toBe(p);
    expect(back.isSparse).toBe(h.isSparse);
    expect(back.estimate()).toBe(h.estimate());
    expect(back.marshal()).toEqual(bytes);
    const into = new HyperLogLog(p);
    into.insert(1, 2);
    expect(into.decode(bytes)).toBe(into);
    expect(into.marshal()).toEqual(bytes);
    expect(new HyperLogLog(p).decode(bytes).marshal()).toEqual(bytes);
  });

  it("decodes from a view into a larger buffer", () => {
    const bytes = sketchOf(10, randomHashes(new Rng(3), 50)).marshal();
    const buf = new Uint8Array(bytes.length + 10);
    buf.set(bytes, 5);
    expect(HyperLogLog.unmarshal(buf.subarray(5, 5 + bytes.length)).marshal()).toEqual(bytes);
  });

  it("accepts the largest register value and rejects one above it", () => {
    const regs = new Uint8Array(1024);
    regs[17] = 55;
    expect(HyperLogLog.unmarshal(denseBytes(10, regs)).estimate()).toBeGreaterThan(0);
    regs[17] = 56;
    expect(() => HyperLogLog.unmarshal(denseBytes(10, regs))).toThrow(SketchDecodeError);
    const regs4 = new Uint8Array(16);
    regs4[15] = 62;
    expect(() => HyperLogLog.unmarshal(denseBytes(4, regs4))).toThrow(SketchDecodeError);
  });

  const sparse = sketchOf(10, randomHashes(new Rng(21), 40)).marshal();
  const dense = sketchOf(10, randomHashes(new Rng(22), 4000)).marshal();
  const entries = (bytes: Uint8Array) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    return Array.from({ length: view.getUint32(3, true) }, (_, i) => view.getUint32(7 + 4 * i, true));
  };
  const e = entries(sparse);
  const withByte = (bytes: Uint8Array, i: number, v: number) => {
    const c = bytes.slice();
    c[i] = v;
    return c;
  };
  const bad: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["header only", new Uint8Array([1, 1, 10])],
    ["truncated sparse", sparse.subarray(0, sparse.length - 1)],
    ["truncated sparse by an entry", sparse.subarray(0, sparse.length - 4)],
    ["truncated dense", dense.subarray(0, dense.length - 1)],
    ["extended sparse", Uint8Array.from([...sparse, 0])],
    ["extended sparse by an entry", Uint8Array.from([...sparse, 0, 0, 0, 0xff])],
    ["extended dense", Uint8Array.from([...dense, 0])],
    ["version 0", withByte(sparse, 0, 0)],
    ["version 2", withByte(dense, 0, 2)],
    ["kind 0", withByte(sparse, 1, 0)],
    ["kind 3", withByte(dense, 1, 3)],
    ["sparse bytes labelled dense", withByte(sparse, 1, 2)],
    ["dense bytes labelled sparse", withByte(dense, 1, 1)],
    ["precision 3", withByte(sparse, 2, 3)],
    ["precision 17", withByte(dense, 2, 17)],
    ["precision 255", withByte(dense, 2, 255)],
    ["unsorted entries", sparseBytes(10, [e[1]!, e[0]!, ...e.slice(2)])],
    ["duplicate entries", sparseBytes(10, [e[0]!, e[0]!, ...e.slice(1)])],
    ["rank 0 entry", sparseBytes(10, [(e[0]! & ~63) >>> 0])],
    ["rank above 64 − p + 1", sparseBytes(10, [(e[0]! & ~63) | 56])],
    ["count larger than entries", sparseBytes(10, e, e.length + 1)],
    ["count smaller than entries", sparseBytes(10, e, e.length - 1)],
    [
      "count beyond m/4",
      sparseBytes(
        10,
        Array.from({ length: 257 }, (_, i) => (i << 6) | 1),
      ),
    ],
    ["count 2^32 − 1", sparseBytes(10, [], 0xffffffff)],
  ];

  it.each(bad)("rejects %s and leaves the target untouched", (_label, bytes) => {
    expect(() => HyperLogLog.unmarshal(bytes)).toThrow(SketchDecodeError);
    for (const target of [sketchOf(10, randomHashes(new Rng(1), 30)), sketchOf(10, randomHashes(new Rng(2), 3000))]) {
      const before = target.marshal();
      const estimate = target.estimate();
      expect(() => target.decode(bytes)).toThrow(SketchDecodeError);
      expect(target.marshal()).toEqual(before);
      expect(target.estimate()).toBe(estimate);
    }
  });

  it("rejects a precision other than the target's on decode", () => {
    const target = new HyperLogLog(12);
    expect(() => target.decode(sparse)).toThrow(SketchDecodeError);
    expect(() => target.decode(dense)).toThrow(SketchDecodeError);
    expect(target.marshal()).toEqual(new HyperLogLog(12).marshal());
  });

  it("survives random corruption: decodes validly or throws SketchDecodeError, never anything else", () => {
    const rng = new Rng(404);
    const sources = [sparse, dense, sketchOf(10, []).marshal(), sketchOf(4, randomHashes(rng, 3)).marshal()];
    let rejected = 0;
    for (let t = 0; t < 3000; t++) {
      const src = sources[t % sources.length]!;
      let c: Uint8Array;
      switch (rng.below(3)) {
        case 0:
          c = src.slice();
          for (let f = 1 + rng.below(3); f > 0; f--) c[rng.below(c.length)]! ^= 1 << rng.below(8);
          break;
        case 1:
          c = src.slice(0, rng.below(src.length));
          break;
        default:
          c = src.slice();
          c[rng.below(c.length)] = rng.below(256);
      }
      const target = sketchOf(10, randomHashes(rng, 20));
      const before = target.marshal();
      try {
        const h = HyperLogLog.unmarshal(c);
        // whatever decodes must be a self-consistent sketch
        expect(h.marshal()).toEqual(c);
        expect(Number.isFinite(h.estimate()) || h.estimate() === Infinity).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(SketchDecodeError);
        rejected++;
        if (c.length >= 3 && c[2] === 10) {
          expect(() => target.decode(c)).toThrow(SketchDecodeError);
          expect(target.marshal()).toEqual(before);
        }
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});
