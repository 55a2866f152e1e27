/**
 * A detection window made of time epochs. Each epoch holds counters, HyperLogLog sketches and a
 * topic bitset; the window is the union of the live epochs. The window's figures (counter totals,
 * distinct estimates, topics covered) are kept up to date on every insert without a merged copy of
 * the sketches: an insert checks the other live epochs' register (or sparse entry) to see whether the
 * union changed, and an estimate that did change is recomputed by merging on read, which happens
 * rarely once a sketch is dense. They are rebuilt from the epochs only when one expires. Only epochs
 * are persisted.
 */
import { HyperLogLog, type HllSlot } from "./hyperloglog";
import { SketchDecodeError } from "./sketch-error";
import { popcount } from "./bits";

export interface WindowSchema<S extends string, C extends string> {
  /** Sketch name → HyperLogLog precision. */
  sketches: Record<S, number>;
  counters: readonly C[];
  /** Topic buckets tracked as a bitset (0 for none). */
  topicBuckets: number;
  /**
   * Counters and sketches are only ever appended to a schema, so an epoch stored under an older
   * schema reads with the new ones at zero. Format 1 did not record its counts: this says how many
   * counters it had (default: all of them).
   */
  v1Counters?: number;
}

export const EPOCHS_PER_WINDOW = 4;
const EPOCH_FORMAT_VERSION = 2;

export class Epoch<S extends string, C extends string> {
  readonly counters: Float64Array;
  readonly sketches: HyperLogLog[];
  readonly topics: Uint8Array;

  constructor(
    readonly schema: WindowSchema<S, C>,
    readonly index: number,
  ) {
    this.counters = new Float64Array(schema.counters.length);
    this.sketches = Object.values<number>(schema.sketches).map((p) => new HyperLogLog(p));
    this.topics = new Uint8Array(Math.ceil(schema.topicBuckets / 8));
  }

  byteSize(): number {
    let n = this.counters.byteLength + this.topics.byteLength;
    for (const s of this.sketches) n += s.byteSize();
    return n;
  }

  /**
   * version, index (f64), counter count (u8), counters (f64 each), topics, sketch count (u8), then
   * each sketch as u32 length + bytes.
   */
  marshal(): Uint8Array {
    const parts = this.sketches.map((s) => s.marshal());
    const size = 1 + 8 + 1 + this.counters.byteLength + this.topics.byteLength + 1 + parts.reduce((n, p) => n + 4 + p.byteLength, 0);
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    let o = 0;
    out[o++] = EPOCH_FORMAT_VERSION;
    view.setFloat64(o, this.index, true);
    o += 8;
    out[o++] = this.counters.length;
    for (const c of this.counters) {
      view.setFloat64(o, c, true);
      o += 8;
    }
    out.set(this.topics, o);
    o += this.topics.byteLength;
    out[o++] = parts.length;
    for (const p of parts) {
      view.setUint32(o, p.byteLength, true);
      o += 4;
      out.set(p, o);
      o += p.byteLength;
    }
    return out;
  }

  static unmarshal<S extends string, C extends string>(schema: WindowSchema<S, C>, bytes: Uint8Array): Epoch<S, C> {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const need = (n: number, o: number) => {
      if (o + n > bytes.byteLength) throw new SketchDecodeError("epoch record is truncated");
    };
    let o = 0;
    need(9, o);
    const version = bytes[o++];
    if (version !== 1 && version !== EPOCH_FORMAT_VERSION) throw new SketchDecodeError("unknown epoch format version");
    const index = view.getFloat64(o, true);
    o += 8;
    if (!Number.isSafeInteger(index)) throw new SketchDecodeError("epoch index is not an integer");
    const epoch = new Epoch(schema, index);
    let counters = schema.v1Counters ?? epoch.counters.length;
    if (version !== 1) {
      need(1, o);
      counters = bytes[o++]!;
    }
    if (counters > epoch.counters.length) throw new SketchDecodeError("epoch has more counters than the schema");
    need(counters * 8, o);
    for (let i = 0; i < counters; i++, o += 8) {
      const c = view.getFloat64(o, true);
      if (!Number.isFinite(c) || c < 0) throw new SketchDecodeError("epoch counter out of range");
      epoch.counters[i] = c;
    }
    need(epoch.topics.byteLength, o);
    epoch.topics.set(bytes.subarray(o, o + epoch.topics.byteLength));
    o += epoch.topics.byteLength;
    let sketches = epoch.sketches.length;
    if (version !== 1) {
      need(1, o);
      sketches = bytes[o++]!;
    }
    if (sketches > epoch.sketches.length) throw new SketchDecodeError("epoch has more sketches than the schema");
    for (let i = 0; i < sketches; i++) {
      need(4, o);
      const len = view.getUint32(o, true);
      o += 4;
      need(len, o);
      const sketch = HyperLogLog.unmarshal(bytes.subarray(o, o + len));
      if (sketch.precision !== epoch.sketches[i]!.precision) throw new SketchDecodeError("epoch sketch precision does not match the schema");
      epoch.sketches[i] = sketch;
      o += len;
    }
    if (o !== bytes.byteLength) throw new SketchDecodeError("epoch record has trailing bytes");
    return epoch;
  }
}

/** Figures of the whole window, as the policy reads them. */
export interface WindowFigures<S extends string, C extends string> {
  counters: Record<C, number>;
  distinct: Record<S, number>;
  topics: number;
}

export class EpochWindow<S extends string, C extends string> {
  readonly epochMs: number;
  private epochs: Epoch<S, C>[] = [];
  /** Window totals of the counters. */
  private readonly sums: Float64Array;
  private readonly sketchNames: S[];
  private readonly precisions: number[];
  /** Per sketch: the window's estimate, valid unless `stale`. */
  private readonly estimates: number[];
  private readonly stale: boolean[];
  /**
   * Per sketch: distinct sparse entries over the live epochs while that union is small enough to be
   * sparse (its estimate is then this exact count), −1 once it is dense.
   */
  private readonly unionEntries: number[];
  /** Per sketch, once the union is dense: the histogram of its registers (null while sparse). */
  private readonly hists: (Uint16Array | Uint32Array | null)[];
  /** Per sketch: bumped whenever the union's estimate may have changed (see `unionVersion`). */
  private readonly versions: number[];
  private topicCount = 0;
  /** Epoch indexes changed since the last `takeDirty()`. */
  private dirty = new Set<number>();

  constructor(
    readonly schema: WindowSchema<S, C>,
    readonly windowMs: number,
  ) {
    this.epochMs = Math.max(1, Math.floor(windowMs / EPOCHS_PER_WINDOW));
    this.sketchNames = Object.keys(schema.sketches) as S[];
    this.precisions = this.sketchNames.map((name) => schema.sketches[name]);
    this.sums = new Float64Array(schema.counters.length);
    this.estimates = this.sketchNames.map(() => 0);
    this.stale = this.sketchNames.map(() => false);
    this.unionEntries = this.sketchNames.map(() => 0);
    this.hists = this.sketchNames.map(() => null);
    this.versions = this.sketchNames.map(() => 0);
  }

  /** Loads persisted epochs (any order); ones outside the window at `now` are ignored. */
  load(epochs: Epoch<S, C>[], now: number): void {
    this.epochs = epochs.slice().sort((a, b) => a.index - b.index);
    this.expire(now, true);
  }

  private oldestLive(now: number): number {
    return Math.floor(now / this.epochMs) - (EPOCHS_PER_WINDOW - 1);
  }

  /** Drops expired epochs; recomputes the window's figures when anything was dropped. Returns the dropped indexes. */
  expire(now: number, force = false): number[] {
    const oldest = this.oldestLive(now);
    // Epochs are kept in index order: the common case (nothing expired) costs one comparison.
    const first = this.epochs[0];
    if (!force && (first === undefined || first.index >= oldest)) return [];
    const dropped = this.epochs.filter((e) => e.index < oldest).map((e) => e.index);
    if (dropped.length === 0 && !force) return dropped;
    this.epochs = this.epochs.filter((e) => e.index >= oldest);
    this.rebuild();
    return dropped;
  }

  /**
   * Recomputes the window's figures from its epochs. The window keeps no merged copy of the epochs'
   * sketches (that copy was a fifth of a heavy subject's memory): a sparse union is tracked by its
   * entry count, a dense one by the histogram of its registers, merged once here into a shared
   * scratch buffer and then updated register by register.
   */
  private rebuild(): void {
    this.sums.fill(0);
    for (const e of this.epochs) for (let i = 0; i < e.counters.length; i++) this.sums[i]! += e.counters[i]!;
    for (let i = 0; i < this.sketchNames.length; i++) {
      const n = HyperLogLog.unionCount(this.epochs.map((e) => e.sketches[i]!));
      this.unionEntries[i] = n;
      this.estimates[i] = n;
      this.hists[i] = null;
      this.stale[i] = false;
      this.versions[i]!++;
      if (n < 0) this.toDenseUnion(i);
    }
    this.topicCount = this.countTopics();
  }

  /** The union of sketch i has become dense: start tracking its register histogram. */
  private toDenseUnion(i: number): void {
    this.versions[i]!++;
    this.unionEntries[i] = -1;
    this.hists[i] = HyperLogLog.unionHistogram(this.epochs.map((e) => e.sketches[i]!));
    this.stale[i] = true;
  }

  /** The epoch that `now` falls in, created when new. Time going backwards lands in the newest epoch. */
  private current(now: number): Epoch<S, C> {
    this.expire(now);
    const index = Math.floor(now / this.epochMs);
    const last = this.epochs[this.epochs.length - 1];
    if (last && last.index >= index) return last;
    const e = new Epoch(this.schema, index);
    this.epochs.push(e);
    return e;
  }

  /** Adds to counters. */
  count(now: number, counter: C, amount = 1): void {
    const e = this.current(now);
    const i = this.schema.counters.indexOf(counter);
    e.counters[i]! += amount;
    this.sums[i]! += amount;
    this.dirty.add(e.index);
  }

  /** Inserts a 64-bit hash into one sketch of the current epoch. */
  insert(now: number, sketch: S, hi: number, lo: number): void {
    const e = this.current(now);
    const i = this.sketchNames.indexOf(sketch);
    const target = e.sketches[i]!;
    const at = target.locate(hi, lo, slot);
    if (this.unionEntries[i]! < 0) {
      // Dense union: it changes only when the rank beats every live epoch's register.
      let union = 0;
      for (const x of this.epochs) {
        const r = x.sketches[i]!.rankAt(at.index);
        if (r > union) union = r;
      }
      const rank = at.rank;
      if (!target.insert(hi, lo)) return;
      this.dirty.add(e.index);
      if (rank > union) {
        const hist = this.hists[i]!;
        hist[union]!--;
        hist[rank]!++;
        this.stale[i] = true;
        this.versions[i]!++;
      }
      return;
    }
    // Sparse union: it changes when the entry is new to every live epoch.
    const entry = at.entry;
    let seen = false;
    for (const x of this.epochs) {
      if (x !== e && x.sketches[i]!.hasEntry(entry)) {
        seen = true;
        break;
      }
    }
    if (!target.insert(hi, lo)) return;
    this.dirty.add(e.index);
    if (!target.isSparse) {
      // the epoch turned dense, so the union is dense
      this.toDenseUnion(i);
    } else if (!seen) {
      const n = this.unionEntries[i]! + 1;
      if (n > target.sparseCapacity) {
        this.toDenseUnion(i);
      } else {
        this.unionEntries[i] = n;
        this.estimates[i] = n;
        this.versions[i]!++;
      }
    }
  }

  /** Inserts interleaved hi,lo pairs. */
  insertAll(now: number, sketch: S, pairs: Uint32Array): void {
    for (let j = 0; j + 1 < pairs.length; j += 2) this.insert(now, sketch, pairs[j]!, pairs[j + 1]!);
  }

  markTopic(now: number, bucket: number): void {
    if (bucket < 0 || bucket >= this.schema.topicBuckets) return;
    const e = this.current(now);
    const byte = bucket >>> 3;
    const bit = 1 << (bucket & 7);
    if (e.topics[byte]! & bit) return;
    let seen = false;
    for (const x of this.epochs) if (x.topics[byte]! & bit) seen = true;
    e.topics[byte]! |= bit;
    this.dirty.add(e.index);
    if (!seen) this.topicCount++;
  }

  distinct(sketch: S): number {
    const i = this.sketchNames.indexOf(sketch);
    if (this.stale[i]) {
      // stale only ever means dense: a sparse union's estimate is its entry count, kept current
      this.estimates[i] = HyperLogLog.histogramEstimate(this.hists[i]!, this.precisions[i]!);
      this.stale[i] = false;
    }
    return this.estimates[i]!;
  }

  /**
   * A number that changes whenever the window's estimate for `sketch` may have changed (an insert
   * that changed the union, an expiry, a load), for callers that cache figures derived from it.
   */
  unionVersion(sketch: S): number {
    return this.versions[this.sketchNames.indexOf(sketch)]!;
  }

  counter(name: C): number {
    return this.sums[this.schema.counters.indexOf(name)]!;
  }

  /** Distinct topic buckets covered by the window. */
  topicsCovered(): number {
    return this.topicCount;
  }

  private countTopics(): number {
    const t = new Uint8Array(Math.ceil(this.schema.topicBuckets / 8));
    for (const e of this.epochs) for (let i = 0; i < t.length; i++) t[i]! |= e.topics[i]!;
    return popcount(t);
  }

  figures(now: number): WindowFigures<S, C> {
    this.expire(now);
    const counters = {} as Record<C, number>;
    for (const c of this.schema.counters) counters[c] = this.counter(c);
    const distinct = {} as Record<S, number>;
    for (const s of this.sketchNames) distinct[s] = this.distinct(s);
    return { counters, distinct, topics: this.topicCount };
  }

  /** Live epochs, oldest first. */
  live(): readonly Epoch<S, C>[] {
    return this.epochs;
  }

  /** Epochs changed since the last call, for persistence. */
  takeDirty(): Epoch<S, C>[] {
    const out = this.epochs.filter((e) => this.dirty.has(e.index));
    this.dirty.clear();
    return out;
  }

  /** Bytes held in memory: the live epochs, the counter totals and the dense unions' histograms. */
  byteSize(): number {
    let n = this.sums.byteLength;
    for (const h of this.hists) if (h) n += h.byteLength;
    return this.epochs.reduce((n, e) => n + e.byteSize(), n);
  }
}

const slot: HllSlot = { index: 0, rank: 0, entry: 0 };

/** Distinct buckets that `n` uniform draws from `c` buckets cover on average: c·(1−(1−1/c)^n). */
export function expectedCoverage(c: number, n: number): number {
  if (n <= 0) return 0;
  return c * (1 - (1 - 1 / c) ** n);
}
