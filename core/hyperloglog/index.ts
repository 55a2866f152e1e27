/**
 * HyperLogLog distinct counter with an exact sparse form for small sets.
 *
 * Hand-written because the npm `hyperloglog` package depends on Node APIs that Workers lack. Runs
 * unchanged in Workers and in Node: no BigInt, no Buffer, no runtime imports.
 *
 * Input is a 64-bit hash as two unsigned 32-bit halves (see core/hash.ts). With m = 2^p registers:
 *   register index = top p bits of `hi`;
 *   rank = 1 + leading zeros of the remaining 64 − p bits, so 1 ≤ rank ≤ 64 − p + 1.
 *
 * Switch point: dense costs one byte per register (m bytes), sparse four bytes per entry, so the
 * sketch stays sparse while it holds at most m/4 entries and turns dense on the entry after that.
 *
 * ./sparse describes the sparse entries, ./dense the registers, ./estimator the estimate and ./codec
 * the binary format.
 */
import type { Hash64 } from "../hash";
import { checkPrecision, decodeState, encodedPrecision, encodeDense, encodeSparse, HLL_MAX_PRECISION, HLL_MIN_PRECISION } from "./codec";
import { addEntries, maxInto, scratchRegisters } from "./dense";
import { estimateHistogram, estimateRegisters } from "./estimator";
import { capacityFor, EMPTY, insertAt, lowerBound, maxRankAt, RANK_BITS, unionSorted } from "./sparse";

export { HLL_FORMAT_VERSION, HLL_MAX_PRECISION, HLL_MIN_PRECISION } from "./codec";

/** Where one hash lands in a sketch (see `HyperLogLog.locate`). */
export interface HllSlot {
  index: number;
  rank: number;
  entry: number;
}

export class HyperLogLog {
  readonly precision: number;
  /** registers */
  private readonly m: number;
  /** 64 − p + 1 */
  private readonly maxRank: number;
  /** most entries the sparse form may hold: at m/4 it is as large as the dense form */
  private readonly sparseLimit: number;
  private readonly extraMask: number;
  /** sorted distinct entries in [0, count); null once dense */
  private sparse: Uint32Array | null = EMPTY;
  private count = 0;
  /** one register per byte; null while sparse */
  private dense: Uint8Array | null = null;
  /** dense estimate, NaN when stale: the rate limiter reads the estimate far more often than it changes */
  private cachedEstimate = NaN;

  constructor(p = 10) {
    if (!checkPrecision(p)) throw new RangeError(`HyperLogLog precision must be an integer in [${HLL_MIN_PRECISION}, ${HLL_MAX_PRECISION}], got ${p}`);
    this.precision = p;
    this.m = 1 << p;
    this.maxRank = 64 - p + 1;
    this.sparseLimit = this.m >>> 2;
    this.extraMask = (1 << (32 - RANK_BITS - p)) - 1;
  }

  /** Adds a 64-bit hash; true when the sketch changed (a new sparse entry, a raised register, or the switch to dense). */
  insert(hi: number, lo: number): boolean {
    const p = this.precision;
    const index = hi >>> (32 - p);
    const rest = hi << p;
    // Math.clz32(0) is 32, so an all-zero remainder gives the cap 64 − p + 1 without a special case.
    const rank = rest !== 0 ? Math.clz32(rest) + 1 : 32 - p + Math.clz32(lo) + 1;
    const dense = this.dense;
    if (dense !== null) {
      if (rank <= dense[index]!) return false;
      dense[index] = rank;
      this.cachedEstimate = NaN;
      return true;
    }
    const entry = ((index << (32 - p)) | ((lo & this.extraMask) << RANK_BITS) | rank) >>> 0;
    return this.insertEntry(entry, index, rank);
  }

  insertHash(h: Hash64): boolean {
    return this.insert(h.hi, h.lo);
  }

  private insertEntry(entry: number, index: number, rank: number): boolean {
    const s = this.sparse!;
    const n = this.count;
    const a = lowerBound(s, n, entry);
    if (a < n && s[a] === entry) return false;
    if (n === this.sparseLimit) {
      const dense = this.toDense();
      if (rank > dense[index]!) dense[index] = rank;
      return true;
    }
    this.sparse = insertAt(s, n, a, entry);
    this.count = n + 1;
    return true;
  }

  private toDense(): Uint8Array {
    const dense = new Uint8Array(this.m);
    addEntries(dense, this.sparse!, this.count, this.precision);
    this.sparse = null;
    this.count = 0;
    this.dense = dense;
    this.cachedEstimate = NaN;
    return dense;
  }

  get isSparse(): boolean {
    return this.dense === null;
  }

  /** Most entries the sparse form holds (m/4); one more and the sketch is dense. */
  get sparseCapacity(): number {
    return this.sparseLimit;
  }

  /** Bytes held by the representation (sparse capacity or the register array), not object overhead. */
  byteSize(): number {
    return this.dense !== null ? this.dense.byteLength : this.sparse!.byteLength;
  }

  estimate(): number {
    const dense = this.dense;
    if (dense === null) return this.count;
    if (!Number.isNaN(this.cachedEstimate)) return this.cachedEstimate;
    this.cachedEstimate = estimateRegisters(dense, this.m, this.maxRank);
    return this.cachedEstimate;
  }

  /** The largest rank held for register `index`: the register itself once dense. 0 when none. */
  rankAt(index: number): number {
    const dense = this.dense;
    if (dense !== null) return dense[index]!;
    return maxRankAt(this.sparse!, this.count, this.precision, index);
  }

  /** Where a hash lands: register index, rank and sparse entry, as `insert` computes them. */
  locate(hi: number, lo: number, out: HllSlot): HllSlot {
    const p = this.precision;
    const index = hi >>> (32 - p);
    const rest = hi << p;
    const rank = rest !== 0 ? Math.clz32(rest) + 1 : 32 - p + Math.clz32(lo) + 1;
    out.index = index;
    out.rank = rank;
    out.entry = ((index << (32 - p)) | ((lo & this.extraMask) << RANK_BITS) | rank) >>> 0;
    return out;
  }

  /** Whether the sparse form holds `entry` (see `locate`); always false once dense. */
  hasEntry(entry: number): boolean {
    if (this.dense !== null) return false;
    const s = this.sparse!;
    const a = lowerBound(s, this.count, entry);
    return a < this.count && s[a] === entry;
  }

  /**
   * Distinct sparse entries over `sketches`: the exact count their merged sketch would report while
   * it stays sparse. −1 when any of them is dense or the union holds more than m/4 entries (then the
   * merged sketch is dense).
   */
  static unionCount(sketches: readonly HyperLogLog[]): number {
    if (sketches.length === 0) return 0;
    let total = 0;
    for (const s of sketches) {
      if (s.dense !== null) return -1;
      total += s.count;
    }
    const limit = sketches[0]!.sparseLimit;
    if (sketches.length === 1) return total <= limit ? total : -1;
    const all = new Uint32Array(total);
    let o = 0;
    for (const s of sketches) {
      all.set(s.sparse!.subarray(0, s.count), o);
      o += s.count;
    }
    all.sort();
    let n = total > 0 ? 1 : 0;
    for (let i = 1; i < total; i++) if (all[i] !== all[i - 1]) n++;
    return n <= limit ? n : -1;
  }

  /**
   * The estimate of the union of `sketches` (one precision), equal to merging them into a new sketch
   * and asking it, without building that sketch: registers go to a scratch buffer shared by all calls.
   */
  static unionEstimate(sketches: readonly HyperLogLog[]): number {
    const sparse = HyperLogLog.unionCount(sketches);
    if (sparse >= 0) return sparse;
    const first = sketches[0]!;
    return estimateRegisters(HyperLogLog.mergeRegisters(sketches), first.m, first.maxRank);
  }

  /**
   * The register histogram of the union of `sketches` (one precision, at least one sketch), as a dense
   * merged sketch would hold it: hist[r] = registers at rank r. Small (64 − p + 2 counters), so a
   * caller can keep it and update it register by register (see `histogramEstimate`).
   */
  static unionHistogram(sketches: readonly HyperLogLog[]): Uint16Array | Uint32Array {
    const first = sketches[0]!;
    const regs = HyperLogLog.mergeRegisters(sketches);
    // m < 2^16 counts fit 16 bits; only p = 16 needs 32
    const hist = first.m < 65536 ? new Uint16Array(first.maxRank + 1) : new Uint32Array(first.maxRank + 1);
    for (let i = 0; i < first.m; i++) hist[regs[i]!]!++;
    return hist;
  }

  /** The estimate a dense sketch of precision `p` with this register histogram reports. */
  static histogramEstimate(hist: ArrayLike<number>, p: number): number {
    return estimateHistogram(hist, 1 << p, 64 - p + 1);
  }

  /** Register-wise max of `sketches` into the shared scratch buffer of their precision. */
  private static mergeRegisters(sketches: readonly HyperLogLog[]): Uint8Array {
    const first = sketches[0]!;
    const m = first.m;
    const p = first.precision;
    const regs = scratchRegisters(p, m);
    for (const s of sketches) {
      if (s.precision !== p) throw new RangeError(`cannot merge HyperLogLog of precision ${s.precision} into precision ${p}`);
      if (s.dense !== null) maxInto(regs, s.dense, m);
      else addEntries(regs, s.sparse!, s.count, p);
    }
    return regs;
  }

  /** Union in place: register-wise max. Two sparse sketches stay sparse while the union fits. */
  merge(other: HyperLogLog): void {
    if (other.precision !== this.precision) {
      throw new RangeError(`cannot merge HyperLogLog of precision ${other.precision} into precision ${this.precision}`);
    }
    if (other === this) return;
    const od = other.dense;
    if (od !== null) {
      maxInto(this.dense ?? this.toDense(), od, this.m);
      this.cachedEstimate = NaN;
      return;
    }
    if (this.dense !== null) {
      addEntries(this.dense, other.sparse!, other.count, this.precision);
      this.cachedEstimate = NaN;
      return;
    }
    const union = new Uint32Array(this.count + other.count);
    const n = unionSorted(this.sparse!, this.count, other.sparse!, other.count, union);
    this.sparse = union;
    this.count = n;
    if (n > this.sparseLimit) {
      this.toDense();
    } else {
      const s = n === 0 ? EMPTY : new Uint32Array(capacityFor(n));
      s.set(union.subarray(0, n));
      this.sparse = s;
    }
  }

  clone(): HyperLogLog {
    const c = new HyperLogLog(this.precision);
    if (this.dense !== null) {
      c.dense = this.dense.slice();
      c.sparse = null;
      c.cachedEstimate = this.cachedEstimate;
    } else if (this.count > 0) {
      const s = new Uint32Array(capacityFor(this.count));
      s.set(this.sparse!.subarray(0, this.count));
      c.sparse = s;
      c.count = this.count;
    }
    return c;
  }

  reset(): void {
    this.sparse = EMPTY;
    this.count = 0;
    this.dense = null;
    this.cachedEstimate = NaN;
  }

  /** The canonical encoding (see ./codec): equal sketches marshal to equal bytes. */
  marshal(): Uint8Array {
    return this.dense === null ? encodeSparse(this.precision, this.sparse!, this.count) : encodeDense(this.precision, this.dense);
  }

  /** Decodes bytes of any valid precision into a new sketch. Throws SketchDecodeError. */
  static unmarshal(bytes: Uint8Array): HyperLogLog {
    return new HyperLogLog(encodedPrecision(bytes)).decode(bytes);
  }

  /**
   * Replaces this sketch with the decoded bytes, which must carry this sketch's precision. Everything is
   * validated before anything is assigned, so on SketchDecodeError this sketch is left untouched.
   */
  decode(bytes: Uint8Array): this {
    const state = decodeState(bytes, this.precision);
    this.sparse = state.sparse;
    this.count = state.count;
    this.dense = state.dense;
    this.cachedEstimate = NaN;
    return this;
  }
}
