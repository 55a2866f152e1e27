import { describe, expect, it } from "vitest";
import { BottomK, BOTTOM_K_MAX_K } from "../../bench/bottom-k";
import { hashKeyFromWords, hashString, type Hash64 } from "../../core/hash";
import { SketchDecodeError } from "../../core/sketch-error";
import { Rng } from "../../tools/prng";
import { meanStd } from "./stats";

function randomHashes(rng: Rng, n: number): Hash64[] {
  const out: Hash64[] = [];
  for (let i = 0; i < n; i++) out.push(rng.hash());
  return out;
}

function sketchOf(k: number, hashes: Hash64[]): BottomK {
  const s = new BottomK(k);
  for (const h of hashes) s.insertHash(h);
  return s;
}

const big = (h: Hash64) => (BigInt(h.hi >>> 0) << 32n) | BigInt(h.lo >>> 0);

/** The hashes a sketch holds, read back from its documented encoding. */
function held(s: BottomK): bigint[] {
  const bytes = s.marshal();
  const view = new DataView(bytes.buffer);
  const n = view.getUint32(5, true);
  return Array.from({ length: n }, (_, i) => (BigInt(view.getUint32(9 + 8 * i, true)) << 32n) | BigInt(view.getUint32(13 + 8 * i, true)));
}

function bottomOf(k: number, hashes: Hash64[]): bigint[] {
  return [...new Set(hashes.map(big))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, k);
}

function encode(k: number, entries: [number, number][], count = entries.length, version = 1): Uint8Array {
  const out = new Uint8Array(9 + 8 * entries.length);
  const view = new DataView(out.buffer);
  out[0] = version;
  view.setUint32(1, k, true);
  view.setUint32(5, count, true);
  entries.forEach(([hi, lo], i) => {
    view.setUint32(9 + 8 * i, hi >>> 0, true);
    view.setUint32(13 + 8 * i, lo >>> 0, true);
  });
  return out;
}

/** Two sets of a given union size and Jaccard index, sharing round(J·union) hashes. */
function pair(rng: Rng, union: number, j: number): [Hash64[], Hash64[]] {
  const shared = Math.round(j * union);
  const onlyA = Math.floor((union - shared) / 2);
  const both = randomHashes(rng, shared);
  return [
    [...both, ...randomHashes(rng, onlyA)],
    [...both, ...randomHashes(rng, union - shared - onlyA)],
  ];
}

describe("BottomK basics", () => {
  it("validates k", () => {
    expect(new BottomK().k).toBe(64);
    for (const k of [0, 1, 2.5, BOTTOM_K_MAX_K + 1, NaN]) expect(() => new BottomK(k)).toThrow(RangeError);
    expect(new BottomK(2).k).toBe(2);
  });

  it("keeps exactly the k smallest distinct hashes, with duplicates and signed inputs", () => {
    const rng = new Rng(1);
    for (const [k, n] of [
      [2, 50],
      [8, 5],
      [64, 63],
      [64, 64],
      [64, 65],
      [64, 5000],
      [256, 3000],
    ] as [number, number][]) {
      const pool = randomHashes(rng, n);
      // many repeats, and some hashes sharing hi so the lo comparison matters
      const inputs = [...pool, ...pool.slice(0, n >> 1), ...pool.slice(0, 20).map((h) => ({ hi: h.hi, lo: h.lo ^ 1 }))];
      const s = new BottomK(k);
      for (let i = 0; i < inputs.length; i++) {
        const h = inputs[(i * 7919) % inputs.length]!;
        // bitwise results are signed: the sketch must read them as unsigned
        s.insert(h.hi | 0, h.lo | 0);
      }
      expect(held(s)).toEqual(bottomOf(k, inputs));
      expect(s.size).toBe(Math.min(k, bottomOf(Infinity, inputs).length));
    }
  });

  it("reports whether a hash entered the sample", () => {
    const s = new BottomK(2);
    expect(s.insert(10, 10)).toBe(true);
    expect(s.insert(10, 10)).toBe(false);
    expect(s.insert(5, 0)).toBe(true);
    expect(s.insert(0xffffffff, 0)).toBe(false); // above the 2nd smallest
    expect(s.insert(10, 9)).toBe(true); // pushes (10, 10) out
    expect(s.insertHash({ hi: 10, lo: 10 })).toBe(false);
    expect(held(s)).toEqual([5n << 32n, (10n << 32n) | 9n]);
  });

  it("estimates (k − 1)/U_k from the k-th smallest hash as a fraction of 2^64", () => {
    const s = new BottomK(4);
    // hashes i/16 of the range: the 4th smallest is U_4 = 1/4, so the estimate is 3/(1/4)
    for (let i = 6; i >= 1; i--) s.insert((i << 28) >>> 0, 0);
    expect(s.estimate()).toBe(12);
    s.insert(0, 1);
    expect(s.estimate()).toBe(16);
  });

  it("is exact below k", () => {
    const rng = new Rng(2);
    for (const n of [0, 1, 10, 63]) expect(sketchOf(64, randomHashes(rng, n)).estimate()).toBe(n);
  });

  it("holds few bytes while small", () => {
    const rng = new Rng(3);
    const sizes = [0, 5, 20, 64, 10_000].map((n) => sketchOf(64, randomHashes(rng, n)).byteSize());
    expect(sizes).toEqual([0, 64, 256, 512, 512]);
  });

  it("clone is independent and reset empties", () => {
    const rng = new Rng(4);
    const s = sketchOf(64, randomHashes(rng, 1000));
    const c = s.clone();
    expect(c.marshal()).toEqual(s.marshal());
    for (let i = 0; i < 1000; i++) c.insertHash(rng.hash());
    expect(c.marshal()).not.toEqual(s.marshal());
    s.reset();
    expect(s.size).toBe(0);
    expect(s.estimate()).toBe(0);
    expect(s.byteSize()).toBe(0);
  });
});

describe("BottomK accuracy", () => {
  it.each([
    [64, 10_000, 400],
    [16, 5_000, 400],
    [256, 20_000, 200],
  ])("k = %i, n = %i: distinct-count error ≈ 1/√(k − 2) over %i trials", (k, n, trials) => {
    const rng = new Rng(k * 31 + n);
    const errors: number[] = [];
    for (let t = 0; t < trials; t++) {
      const s = new BottomK(k);
      for (let i = 0; i < n; i++) s.insert(rng.u32(), rng.u32());
      errors.push(s.estimate() / n - 1);
    }
    const { mean, std } = meanStd(errors);
    const expected = 1 / Math.sqrt(k - 2);
    expect(std).toBeGreaterThan(0.8 * expected);
    expect(std).toBeLessThan(1.2 * expected);
    // (k − 1)/U_k is unbiased
    expect(Math.abs(mean)).toBeLessThan((3.5 * expected) / Math.sqrt(trials));
  });

  it.each([0.05, 0.2, 0.5, 0.8, 0.95])("Jaccard %f: error within 1.3 × √(J(1 − J)/k) over 200 trials", (j) => {
    const k = 64;
    const rng = new Rng(Math.round(j * 1000));
    const estimates: number[] = [];
    const intersections: number[] = [];
    for (let t = 0; t < 200; t++) {
      const [a, b] = pair(rng, 2000, j);
      const sa = sketchOf(k, a);
      const sb = sketchOf(k, b);
      estimates.push(BottomK.jaccard(sa, sb));
      intersections.push(BottomK.intersectionEstimate(sa, sb) / Math.round(j * 2000) - 1);
    }
    const { mean, std } = meanStd(estimates);
    const expected = Math.sqrt((j * (1 - j)) / k);
    expect(std).toBeLessThan(1.3 * expected);
    expect(Math.abs(mean - j)).toBeLessThan((3.5 * expected) / Math.sqrt(200) + 0.5 / 2000);
    // intersection = J × union: relative error ≈ √((1 − J)/(J k) + 1/k)
    const inter = meanStd(intersections);
    expect(inter.std).toBeLessThan(1.3 * Math.sqrt((1 - j) / (j * k) + 1 / (k - 2)));
  });

  it("keeps its accuracy on keyed string hashes from core/hash", () => {
    const rng = new Rng(77);
    const out = { hi: 0, lo: 0 };
    const errors: number[] = [];
    for (let t = 0; t < 300; t++) {
      const key = hashKeyFromWords(rng.u32(), rng.u32(), rng.u32(), rng.u32());
      const a = new BottomK(64);
      const b = new BottomK(64);
      // A = prompts 0..2999, B = prompts 1500..4499: J = 1500/4500
      for (let i = 0; i < 4500; i++) {
        const h = hashString(key, `prompt number ${i}`, out);
        if (i < 3000) a.insert(h.hi, h.lo);
        if (i >= 1500) b.insert(h.hi, h.lo);
      }
      errors.push(BottomK.jaccard(a, b) - 1 / 3);
    }
    const { mean, std } = meanStd(errors);
    const expected = Math.sqrt(((1 / 3) * (2 / 3)) / 64);
    expect(std).toBeLessThan(1.3 * expected);
    expect(Math.abs(mean)).toBeLessThan((3.5 * expected) / Math.sqrt(300));
  });

  it("is exact for small sets", () => {
    const rng = new Rng(6);
    const [a, b] = pair(rng, 50, 0.4);
    const sa = sketchOf(64, a);
    const sb = sketchOf(64, b);
    expect(BottomK.jaccard(sa, sb)).toBe(20 / 50);
    expect(BottomK.intersectionEstimate(sa, sb)).toBe(20);
    expect(BottomK.jaccard(sa, sa)).toBe(1);
    expect(BottomK.jaccard(new BottomK(), new BottomK())).toBe(0);
    expect(BottomK.jaccard(sa, new BottomK())).toBe(0);
    expect(BottomK.intersectionEstimate(sa, new BottomK())).toBe(0);
  });

  it("rejects sketches of different k", () => {
    expect(() => BottomK.jaccard(new BottomK(64), new BottomK(32))).toThrow(RangeError);
    expect(() => BottomK.intersectionEstimate(new BottomK(64), new BottomK(32))).toThrow(RangeError);
    expect(() => new BottomK(64).merge(new BottomK(32))).toThrow(RangeError);
  });
});

describe("BottomK merge", () => {
  it.each([
    [64, [10, 20, 15]],
    [64, [10, 500, 30]],
    [64, [1000, 2000, 3000]],
    [8, [3, 4, 100]],
  ])("k = %i, sizes %j: order independent and equal to direct insertion", (k, sizes) => {
    const rng = new Rng(sizes[1]!);
    const shared = randomHashes(rng, 5);
    const parts = sizes.map((n) => [...shared, ...randomHashes(rng, n)]);
    const sketches = parts.map((p) => sketchOf(k, p));
    const whole = sketchOf(k, parts.flat()).marshal();
    for (const [a, b, c] of [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ] as [number, number, number][]) {
      const m = sketches[a]!.clone();
      m.merge(sketches[b]!);
      m.merge(sketches[c]!);
      expect(m.marshal()).toEqual(whole);
    }
  });

  it("is idempotent and leaves the source untouched", () => {
    const rng = new Rng(8);
    const a = sketchOf(64, randomHashes(rng, 500));
    const b = sketchOf(64, randomHashes(rng, 500));
    const before = a.marshal();
    a.merge(a);
    a.merge(a.clone());
    a.merge(new BottomK());
    expect(a.marshal()).toEqual(before);
    const bBefore = b.marshal();
    a.merge(b);
    for (let i = 0; i < 500; i++) a.insertHash(rng.hash());
    expect(b.marshal()).toEqual(bBefore);
    const empty = new BottomK();
    empty.merge(b);
    expect(empty.marshal()).toEqual(bBefore);
  });
});

describe("BottomK encoding", () => {
  it.each([
    [64, 0],
    [64, 1],
    [64, 40],
    [64, 10_000],
    [2, 100],
    [1024, 700],
  ])("round-trips k = %i, n = %i byte-identically", (k, n) => {
    const s = sketchOf(k, randomHashes(new Rng(k + n), n));
    const bytes = s.marshal();
    expect(bytes[0]).toBe(1);
    expect(bytes.length).toBe(9 + 8 * s.size);
    const back = BottomK.unmarshal(bytes);
    expect(back.k).toBe(k);
    expect(back.size).toBe(s.size);
    expect(back.estimate()).toBe(s.estimate());
    expect(back.marshal()).toEqual(bytes);
    const into = sketchOf(k, randomHashes(new Rng(5), 10));
    expect(into.decode(bytes)).toBe(into);
    expect(into.marshal()).toEqual(bytes);
    expect(new BottomK(k).decode(bytes).marshal()).toEqual(bytes);
    // a decoded sketch keeps working
    back.insert(0, 0);
    expect(back.size).toBe(Math.min(k, s.size + 1));
  });

  it("decodes from a view into a larger buffer", () => {
    const bytes = sketchOf(64, randomHashes(new Rng(9), 100)).marshal();
    const buf = new Uint8Array(bytes.length + 7);
    buf.set(bytes, 3);
    expect(BottomK.unmarshal(buf.subarray(3, 3 + bytes.length)).marshal()).toEqual(bytes);
  });

  const good = sketchOf(64, randomHashes(new Rng(10), 30)).marshal();
  const full = sketchOf(8, randomHashes(new Rng(11), 100)).marshal();
  const withByte = (bytes: Uint8Array, i: number, v: number) => {
    const c = bytes.slice();
    c[i] = v;
    return c;
  };
  const bad: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["header truncated", good.subarray(0, 8)],
    ["truncated by a byte", good.subarray(0, good.length - 1)],
    ["truncated by a hash", good.subarray(0, good.length - 8)],
    ["extended by a byte", Uint8Array.from([...good, 0])],
    ["extended by a hash", Uint8Array.from([...good, ...new Uint8Array(8).fill(0xff)])],
    ["version 0", withByte(good, 0, 0)],
    ["version 2", withByte(good, 0, 2)],
    ["k = 0", encode(0, [])],
    ["k = 1", encode(1, [[0, 1]])],
    ["k too large", encode(BOTTOM_K_MAX_K + 1, [])],
    ["k = 2^32 − 1", encode(0xffffffff, [])],
    [
      "count above k",
      encode(2, [
        [0, 1],
        [0, 2],
        [0, 3],
      ]),
    ],
    ["count 2^32 − 1", encode(64, [], 0xffffffff)],
    [
      "unsorted hashes",
      encode(64, [
        [1, 0],
        [0, 5],
      ]),
    ],
    [
      "unsorted low halves",
      encode(64, [
        [1, 5],
        [1, 4],
      ]),
    ],
    [
      "duplicate hashes",
      encode(64, [
        [1, 5],
        [1, 5],
      ]),
    ],
    ["count larger than hashes", encode(64, [[1, 5]], 2)],
  ];

  it.each(bad)("rejects %s and leaves the target untouched", (_label, bytes) => {
    expect(() => BottomK.unmarshal(bytes)).toThrow(SketchDecodeError);
    for (const target of [sketchOf(64, randomHashes(new Rng(12), 30)), sketchOf(64, randomHashes(new Rng(13), 3000))]) {
      const before = target.marshal();
      expect(() => target.decode(bytes)).toThrow(SketchDecodeError);
      expect(target.marshal()).toEqual(before);
    }
  });

  it("rejects another k on decode", () => {
    const target = new BottomK(32);
    expect(() => target.decode(good)).toThrow(SketchDecodeError);
    expect(() => target.decode(full)).toThrow(SketchDecodeError);
    expect(target.size).toBe(0);
  });

  it("survives random corruption: decodes validly or throws SketchDecodeError, never anything else", () => {
    const rng = new Rng(404);
    const sources = [good, full, new BottomK().marshal()];
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
      const target = sketchOf(64, randomHashes(rng, 20));
      const before = target.marshal();
      try {
        expect(BottomK.unmarshal(c).marshal()).toEqual(c);
      } catch (err) {
        expect(err).toBeInstanceOf(SketchDecodeError);
        rejected++;
        expect(() => target.decode(c)).toThrow(SketchDecodeError);
        expect(target.marshal()).toEqual(before);
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});
