/**
 * Fuzzing the sketch decoders with corrupted bytes. Sketches come back from
 * Durable Object storage and from other shards, so a decoder must either reject bytes with
 * SketchDecodeError (never another exception, never a hang) or accept only a valid encoding, which
 * then re-encodes to exactly the same bytes. An instance decode that fails leaves the sketch as it
 * was: same bytes, same estimate, and still usable.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BottomK } from "../../bench/bottom-k";
import { HyperLogLog } from "../../core/hyperloglog";
import { SketchDecodeError } from "../../core/sketch-error";
import { Epoch, type WindowSchema } from "../../core/window";
import { ACCOUNT_SCHEMA, FINGERPRINT_SCHEMA } from "../../durable-objects/schemas";

const SEED = 0x5eed;
const RUNS = 3000;

const hash = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }));
/** Hashes with many leading zeros too, so high ranks and the sparse/dense switch are covered. */
const skewedHash = fc.oneof(hash, fc.tuple(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffffffff })), fc.constant<[number, number]>([0, 0]));

const hllArb = fc.tuple(fc.integer({ min: 4, max: 16 }), fc.array(skewedHash, { maxLength: 1500 })).map(([p, hs]) => {
  const h = new HyperLogLog(p);
  for (const [hi, lo] of hs) h.insert(hi, lo);
  return h;
});

const bottomKArb = fc.tuple(fc.integer({ min: 2, max: 300 }), fc.array(hash, { maxLength: 600 })).map(([k, hs]) => {
  const b = new BottomK(k);
  for (const [hi, lo] of hs) b.insert(hi, lo);
  return b;
});

type AnySchema = WindowSchema<string, string>;
const schemaArb = fc.constantFrom<AnySchema>(ACCOUNT_SCHEMA, FINGERPRINT_SCHEMA);
const epochArb = fc
  .tuple(
    schemaArb,
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.array(fc.tuple(fc.nat(5), skewedHash), { maxLength: 800 }),
    fc.array(fc.nat(1023), { maxLength: 40 }),
    fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 4, maxLength: 4 }),
  )
  .map(([schema, index, inserts, topics, counters]) => {
    const e = new Epoch(schema, index);
    for (const [s, [hi, lo]] of inserts) e.sketches[s % e.sketches.length]!.insert(hi, lo);
    for (const t of topics) e.topics[t >>> 3]! |= 1 << (t & 7);
    counters.forEach((c, i) => {
      e.counters[i] = c;
    });
    return { schema, bytes: e.marshal() };
  });

/** Ways bytes get damaged: bit flips, overwritten bytes, truncation, extension, splices, fresh noise. */
function corrupt(bytes: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = bytes.length;
  const flip = fc.array(fc.tuple(fc.nat(Math.max(0, n - 1)), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }).map((flips) => {
    const out = bytes.slice();
    for (const [i, b] of flips) if (n) out[i]! ^= 1 << b;
    return out;
  });
  const overwrite = fc.array(fc.tuple(fc.nat(Math.max(0, n - 1)), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((writes) => {
    const out = bytes.slice();
    for (const [i, v] of writes) if (n) out[i] = v;
    return out;
  });
  const truncate = fc.nat(Math.max(0, n - 1)).map((k) => bytes.slice(0, k));
  const extend = fc.uint8Array({ minLength: 1, maxLength: 16 }).map((extra) => new Uint8Array([...bytes, ...extra]));
  const header = fc.tuple(fc.nat(Math.min(12, Math.max(0, n - 1))), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
    const out = bytes.slice();
    if (n) out[i] = v;
    return out;
  });
  const noise = fc.uint8Array({ maxLength: 64 });
  return fc.oneof(flip, overwrite, truncate, extend, header, noise);
}

/** The bytes at a non-zero offset of a larger buffer, as a subarray of a storage row would be. */
function atOffset(bytes: Uint8Array, offset: number): Uint8Array {
  const buf = new Uint8Array(bytes.length + offset + 3);
  buf.set(bytes, offset);
  return buf.subarray(offset, offset + bytes.length);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs `decode`; returns the value, or null when it threw SketchDecodeError. Any other throw fails. */
function decodeOrReject<T>(decode: () => T): T | null {
  try {
    return decode();
  } catch (err) {
    if (err instanceof SketchDecodeError) return null;
    throw new Error(`decoder threw ${String(err)} instead of SketchDecodeError`);
  }
}

describe("HyperLogLog decoder on corrupted bytes", () => {
  it("rejects with SketchDecodeError or accepts only a canonical encoding", () => {
    let rejected = 0;
    fc.assert(
      fc.property(
        hllArb.chain((h) => fc.tuple(fc.constant(h), corrupt(h.marshal()), fc.nat(7))),
        ([, bad, off]) => {
          const got = decodeOrReject(() => HyperLogLog.unmarshal(atOffset(bad, off)));
          if (got === null) {
            rejected++;
            return;
          }
          expect(sameBytes(got.marshal(), bad)).toBe(true);
          const e = got.estimate();
          expect(Number.isFinite(e) && e >= 0).toBe(true);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    expect(rejected).toBeGreaterThan(RUNS / 2);
  });

  it("leaves the target sketch unchanged when decode rejects, and the sketch still works", () => {
    fc.assert(
      fc.property(
        hllArb.chain((target) =>
          fc.tuple(
            fc.constant(target),
            hllArb.chain((src) => corrupt(src.marshal())),
            fc.nat(7),
          ),
        ),
        ([target, bad, off]) => {
          const before = target.marshal();
          const estimate = target.estimate();
          const got = decodeOrReject(() => target.decode(atOffset(bad, off)));
          if (got !== null) {
            expect(sameBytes(target.marshal(), bad)).toBe(true);
            return;
          }
          expect(sameBytes(target.marshal(), before)).toBe(true);
          expect(target.estimate()).toBe(estimate);
          const probe = target.clone();
          probe.insert(0x12345678, 0x9abcdef0);
          probe.merge(target);
          expect(Number.isFinite(probe.estimate())).toBe(true);
        },
      ),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });
});

describe("BottomK decoder on corrupted bytes", () => {
  it("rejects with SketchDecodeError or accepts only a canonical encoding", () => {
    fc.assert(
      fc.property(
        bottomKArb.chain((b) => fc.tuple(corrupt(b.marshal()), fc.nat(7))),
        ([bad, off]) => {
          const got = decodeOrReject(() => BottomK.unmarshal(atOffset(bad, off)));
          if (got === null) return;
          expect(sameBytes(got.marshal(), bad)).toBe(true);
          expect(Number.isFinite(got.estimate())).toBe(true);
        },
      ),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  it("leaves the target sketch unchanged when decode rejects", () => {
    fc.assert(
      fc.property(
        bottomKArb.chain((target) =>
          fc.tuple(
            fc.constant(target),
            bottomKArb.chain((src) => corrupt(src.marshal())),
            fc.nat(7),
          ),
        ),
        ([target, bad, off]) => {
          const before = target.marshal();
          const estimate = target.estimate();
          const got = decodeOrReject(() => target.decode(atOffset(bad, off)));
          if (got !== null) {
            expect(sameBytes(target.marshal(), bad)).toBe(true);
            return;
          }
          expect(sameBytes(target.marshal(), before)).toBe(true);
          expect(target.estimate()).toBe(estimate);
          target.clone().insert(1, 2);
        },
      ),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });
});

describe("Epoch decoder on corrupted bytes", () => {
  it("rejects with SketchDecodeError or accepts only a canonical encoding", () => {
    let rejected = 0;
    fc.assert(
      fc.property(
        epochArb.chain(({ schema, bytes }) => fc.tuple(fc.constant(schema), corrupt(bytes), fc.nat(7))),
        ([schema, bad, off]) => {
          const got = decodeOrReject(() => Epoch.unmarshal(schema, atOffset(bad, off)));
          if (got === null) {
            rejected++;
            return;
          }
          expect(sameBytes(got.marshal(), bad)).toBe(true);
          for (const s of got.sketches) expect(Number.isFinite(s.estimate())).toBe(true);
        },
      ),
      { seed: SEED + 4, numRuns: RUNS },
    );
    expect(rejected).toBeGreaterThan(RUNS / 4);
  });

  it("rejects an epoch of one schema read as the other", () => {
    const e = new Epoch(ACCOUNT_SCHEMA, 7);
    expect(() => Epoch.unmarshal(FINGERPRINT_SCHEMA, e.marshal())).toThrow(SketchDecodeError);
  });
});
