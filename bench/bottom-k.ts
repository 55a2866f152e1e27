/**
 * Bottom-k (KMV, "k minimum values") sketch: the k smallest distinct 64-bit hashes of a set.
 *
 * HyperLogLog answers "how many", but not "how many in common": intersecting two HLLs by
 * inclusion–exclusion is hopeless when the overlap is small. A bottom-k sample is a uniform sample of
 * the set that two sketches draw consistently, so the union's k smallest hashes double as a sample for
 * the Jaccard index and hence the intersection size.
 *
 * Hashes are ordered as unsigned 64-bit integers (hi first, then lo) and stored interleaved
 * [hi, lo, hi, lo, …] in ascending order in a Uint32Array. Runtime-free: runs in Workers and Node.
 *
 * The guard itself does not use it (its signals are HyperLogLog coverage), so it lives with the
 * accuracy benchmark that measures it; test/core/bottom-k.test.ts keeps it tested.
 */

import type { Hash64 } from "../core/hash";
import { SketchDecodeError } from "../core/sketch-error";

const BOTTOM_K_FORMAT_VERSION = 1;
const BOTTOM_K_MIN_K = 2;
/** bounds what a decoder will allocate for a hostile k */
export const BOTTOM_K_MAX_K = 1 << 16;

/** version · k (uint32 LE) · count (uint32 LE) */
const HEADER_BYTES = 9;
const MIN_CAPACITY = 8;
const TWO_POW_32 = 4294967296;
const TWO_POW_64 = TWO_POW_32 * TWO_POW_32;
const EMPTY = new Uint32Array(0);

function checkK(k: number): boolean {
  return Number.isInteger(k) && k >= BOTTOM_K_MIN_K && k <= BOTTOM_K_MAX_K;
}

/** Capacity in hashes for `count` of them: doubling, capped at k, so small sets stay small. */
function capacityFor(count: number, k: number): number {
  if (count === 0) return 0;
  let c = MIN_CAPACITY;
  while (c < count) c *= 2;
  return Math.min(c, k);
}

/** The k-th smallest hash as a fraction of 2^64. */
function fraction(hi: number, lo: number): number {
  return (hi * TWO_POW_32 + lo) / TWO_POW_64;
}

interface Walk {
  /** union hashes visited (≤ k) */
  union: number;
  /** of which present in both sketches */
  both: number;
  /** the last union hash visited */
  hi: number;
  lo: number;
}

export class BottomK {
  readonly k: number;
  /** interleaved hi, lo; ascending; [0, 2·n) used */
  private data: Uint32Array = EMPTY;
  private n = 0;

  constructor(k = 64) {
    if (!checkK(k)) throw new RangeError(`BottomK k must be an integer in [${BOTTOM_K_MIN_K}, ${BOTTOM_K_MAX_K}], got ${k}`);
    this.k = k;
  }

  /** Hashes held, ≤ k. */
  get size(): number {
    return this.n;
  }

  /** Bytes held by the hash array, not object overhead. */
  byteSize(): number {
    return this.data.byteLength;
  }

  /** Adds a 64-bit hash; true when it entered the sample. */
  insert(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    let d = this.data;
    const n = this.n;
    const full = n === this.k;
    // Fast reject: once full, almost every hash of a large set lies above the k-th smallest.
    if (full) {
      const mh = d[2 * n - 2]!;
      if (hi > mh || (hi === mh && lo >= d[2 * n - 1]!)) return false;
    }
    let a = 0;
    let b = n;
    while (a < b) {
      const mid = (a + b) >>> 1;
      const h = d[2 * mid]!;
      if (h < hi || (h === hi && d[2 * mid + 1]! < lo)) a = mid + 1;
      else b = mid;
    }
    if (a < n && d[2 * a] === hi && d[2 * a + 1] === lo) return false;
    if (full) {
      // drop the largest to make room
      d.copyWithin(2 * a + 2, 2 * a, 2 * n - 2);
    } else {
      if (2 * n === d.length) {
        const grown = new Uint32Array(2 * capacityFor(n + 1, this.k));
        grown.set(d.subarray(0, 2 * a));
        grown.set(d.subarray(2 * a, 2 * n), 2 * a + 2);
        d = this.data = grown;
      } else {
        d.copyWithin(2 * a + 2, 2 * a, 2 * n);
      }
      this.n = n + 1;
    }
    d[2 * a] = hi;
    d[2 * a + 1] = lo;
    return true;
  }

  insertHash(h: Hash64): boolean {
    return this.insert(h.hi, h.lo);
  }

  /** Distinct count: exact below k hashes, else (k − 1) / U_k, unbiased with relative error ≈ 1/√(k − 2). */
  estimate(): number {
    const n = this.n;
    if (n < this.k) return n;
    return (this.k - 1) / fraction(this.data[2 * n - 2]!, this.data[2 * n - 1]!);
  }

  /** Union in place: the k smallest distinct hashes of both. */
  merge(other: BottomK): void {
    if (other.k !== this.k) throw new RangeError(`cannot merge BottomK with k = ${other.k} into k = ${this.k}`);
    if (other === this || other.n === 0) return;
    const a = this.data;
    const b = other.data;
    const an = this.n;
    const bn = other.n;
    const out = new Uint32Array(2 * capacityFor(Math.min(this.k, an + bn), this.k));
    let i = 0;
    let j = 0;
    let n = 0;
    while (n < this.k && (i < an || j < bn)) {
      let takeA: boolean;
      let takeB: boolean;
      if (i === an) {
        takeA = false;
        takeB = true;
      } else if (j === bn) {
        takeA = true;
        takeB = false;
      } else {
        const c = compare(a[2 * i]!, a[2 * i + 1]!, b[2 * j]!, b[2 * j + 1]!);
        takeA = c <= 0;
        takeB = c >= 0;
      }
      if (takeA) {
        out[2 * n] = a[2 * i]!;
        out[2 * n + 1] = a[2 * i + 1]!;
        i++;
      } else {
        out[2 * n] = b[2 * j]!;
        out[2 * n + 1] = b[2 * j + 1]!;
      }
      if (takeB) j++;
      n++;
    }
    this.data = out;
    this.n = n;
  }

  /**
   * Walks the union's k smallest hashes, counting those held by both sketches. A hash among the
   * union's k smallest that is in both sets is necessarily among each set's own k smallest, so
   * membership in both sketches is membership in both sets.
   */
  private static walk(x: BottomK, y: BottomK): Walk {
    if (x.k !== y.k) throw new RangeError(`BottomK sketches differ in k: ${x.k} and ${y.k}`);
    const a = x.data;
    const b = y.data;
    const an = x.n;
    const bn = y.n;
    const w: Walk = { union: 0, both: 0, hi: 0, lo: 0 };
    let i = 0;
    let j = 0;
    while (w.union < x.k && (i < an || j < bn)) {
      let c: number;
      if (i === an) c = 1;
      else if (j === bn) c = -1;
      else c = compare(a[2 * i]!, a[2 * i + 1]!, b[2 * j]!, b[2 * j + 1]!);
      if (c <= 0) {
        w.hi = a[2 * i]!;
        w.lo = a[2 * i + 1]!;
        i++;
        if (c === 0) {
          j++;
          w.both++;
        }
      } else {
        w.hi = b[2 * j]!;
        w.lo = b[2 * j + 1]!;
        j++;
      }
      w.union++;
    }
    return w;
  }

  /** Jaccard index |A ∩ B| / |A ∪ B|, standard error ≈ √(J(1 − J)/k); 0 when both are empty. */
  static jaccard(a: BottomK, b: BottomK): number {
    const w = BottomK.walk(a, b);
    return w.union === 0 ? 0 : w.both / w.union;
  }

  /** |A ∩ B|: exact while the union has fewer than k hashes, else Jaccard × the union's estimate. */
  static intersectionEstimate(a: BottomK, b: BottomK): number {
    const w = BottomK.walk(a, b);
    if (w.union < a.k) return w.both;
    return ((w.both / w.union) * (a.k - 1)) / fraction(w.hi, w.lo);
  }

  clone(): BottomK {
    const c = new BottomK(this.k);
    if (this.n > 0) {
      c.data = new Uint32Array(2 * capacityFor(this.n, this.k));
      c.data.set(this.data.subarray(0, 2 * this.n));
      c.n = this.n;
    }
    return c;
  }

  reset(): void {
    this.data = EMPTY;
    this.n = 0;
  }

  /**
   * Layout: version (1) · k (uint32 LE) · count (uint32 LE) · count hashes, each hi then lo as
   * uint32 LE, strictly increasing. Canonical: equal sketches marshal to equal bytes.
   */
  marshal(): Uint8Array {
    const n = this.n;
    const out = new Uint8Array(HEADER_BYTES + 8 * n);
    const view = new DataView(out.buffer);
    out[0] = BOTTOM_K_FORMAT_VERSION;
    view.setUint32(1, this.k, true);
    view.setUint32(5, n, true);
    for (let i = 0; i < 2 * n; i++) view.setUint32(HEADER_BYTES + 4 * i, this.data[i]!, true);
    return out;
  }

  /** Decodes bytes of any valid k into a new sketch. Throws SketchDecodeError. */
  static unmarshal(bytes: Uint8Array): BottomK {
    if (!(bytes instanceof Uint8Array) || bytes.length < HEADER_BYTES) {
      throw new SketchDecodeError("BottomK encoding too short");
    }
    const k = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, true);
    if (!checkK(k)) throw new SketchDecodeError(`BottomK k = ${k} out of range`);
    return new BottomK(k).decode(bytes);
  }

  /**
   * Replaces this sketch with the decoded bytes, which must carry this sketch's k. Everything is
   * validated before anything is assigned, so on SketchDecodeError this sketch is left untouched.
   */
  decode(bytes: Uint8Array): this {
    if (!(bytes instanceof Uint8Array)) throw new SketchDecodeError("BottomK encoding must be a Uint8Array");
    if (bytes.length < HEADER_BYTES) throw new SketchDecodeError(`BottomK encoding too short: ${bytes.length} bytes`);
    if (bytes[0] !== BOTTOM_K_FORMAT_VERSION) throw new SketchDecodeError(`unknown BottomK format version ${bytes[0]}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const k = view.getUint32(1, true);
    if (!checkK(k)) throw new SketchDecodeError(`BottomK k = ${k} out of range`);
    if (k !== this.k) throw new SketchDecodeError(`BottomK k = ${k} does not match ${this.k}`);
    const n = view.getUint32(5, true);
    if (n > k) throw new SketchDecodeError(`BottomK holds ${n} hashes, more than k = ${k}`);
    const expected = HEADER_BYTES + 8 * n;
    if (bytes.length !== expected) throw new SketchDecodeError(`BottomK of ${n} hashes must be ${expected} bytes, got ${bytes.length}`);
    const data = n === 0 ? EMPTY : new Uint32Array(2 * capacityFor(n, k));
    for (let i = 0; i < n; i++) {
      const hi = view.getUint32(HEADER_BYTES + 8 * i, true);
      const lo = view.getUint32(HEADER_BYTES + 8 * i + 4, true);
      if (i > 0 && compare(data[2 * i - 2]!, data[2 * i - 1]!, hi, lo) >= 0) {
        throw new SketchDecodeError(`BottomK hashes not strictly increasing at ${i}`);
      }
      data[2 * i] = hi;
      data[2 * i + 1] = lo;
    }
    this.data = data;
    this.n = n;
    return this;
  }
}

function compare(ah: number, al: number, bh: number, bl: number): number {
  if (ah !== bh) return ah < bh ? -1 : 1;
  if (al !== bl) return al < bl ? -1 : 1;
  return 0;
}
