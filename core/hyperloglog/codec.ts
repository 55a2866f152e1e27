/**
 * The versioned binary format of a HyperLogLog, as stored by the Durable Objects and sent between
 * shards. Layout: version (1) · kind (1 sparse, 2 dense) · precision · payload, where
 *   sparse payload = count (uint32 LE) · count entries (uint32 LE, strictly increasing), count ≤ m/4;
 *   dense payload  = m registers packed 6 bits each, 4 registers per 3 bytes, little-endian bit order.
 * The encoding is canonical: equal sketches marshal to equal bytes. Decoding is strict: anything but
 * a valid encoding is rejected with SketchDecodeError, never another exception.
 */
import { SketchDecodeError } from "../sketch-error";
import { capacityFor, EMPTY, RANK_MASK } from "./sparse";

export const HLL_FORMAT_VERSION = 1;
export const HLL_MIN_PRECISION = 4;
export const HLL_MAX_PRECISION = 16;

const KIND_SPARSE = 1;
const KIND_DENSE = 2;
/** version, kind, precision */
const HEADER_BYTES = 3;

export function checkPrecision(p: number): boolean {
  return Number.isInteger(p) && p >= HLL_MIN_PRECISION && p <= HLL_MAX_PRECISION;
}

/** A sketch's representation as decoded: sparse entries and their count, or dense registers. */
export interface DecodedState {
  sparse: Uint32Array | null;
  count: number;
  dense: Uint8Array | null;
}

/** The encoding of the sparse entries s[0, n) of precision `p`. */
export function encodeSparse(p: number, s: Uint32Array, n: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + 4 + 4 * n);
  out[0] = HLL_FORMAT_VERSION;
  out[1] = KIND_SPARSE;
  out[2] = p;
  const view = new DataView(out.buffer);
  view.setUint32(HEADER_BYTES, n, true);
  for (let i = 0; i < n; i++) view.setUint32(HEADER_BYTES + 4 + 4 * i, s[i]!, true);
  return out;
}

/** The encoding of the 2^p dense registers. */
export function encodeDense(p: number, dense: Uint8Array): Uint8Array {
  const m = 1 << p;
  const out = new Uint8Array(HEADER_BYTES + (m * 3) / 4);
  out[0] = HLL_FORMAT_VERSION;
  out[1] = KIND_DENSE;
  out[2] = p;
  for (let r = 0, o = HEADER_BYTES; r < m; r += 4, o += 3) {
    const v = dense[r]! | (dense[r + 1]! << 6) | (dense[r + 2]! << 12) | (dense[r + 3]! << 18);
    out[o] = v & 0xff;
    out[o + 1] = (v >>> 8) & 0xff;
    out[o + 2] = v >>> 16;
  }
  return out;
}

/** The precision an encoding declares, when it is long enough to declare one and that one is valid. */
export function encodedPrecision(bytes: Uint8Array): number {
  if (bytes.length < HEADER_BYTES) throw new SketchDecodeError(`HyperLogLog encoding too short: ${bytes.length} bytes`);
  const p = bytes[2]!;
  if (!checkPrecision(p)) throw new SketchDecodeError(`HyperLogLog precision ${p} out of range`);
  return p;
}

/** Decodes and validates an encoding that must carry `precision`. Throws SketchDecodeError. */
export function decodeState(bytes: Uint8Array, precision: number): DecodedState {
  if (!(bytes instanceof Uint8Array)) throw new SketchDecodeError("HyperLogLog encoding must be a Uint8Array");
  if (bytes.length < HEADER_BYTES) throw new SketchDecodeError(`HyperLogLog encoding too short: ${bytes.length} bytes`);
  if (bytes[0] !== HLL_FORMAT_VERSION) throw new SketchDecodeError(`unknown HyperLogLog format version ${bytes[0]}`);
  const kind = bytes[1];
  const p = bytes[2]!;
  if (!checkPrecision(p)) throw new SketchDecodeError(`HyperLogLog precision ${p} out of range`);
  if (p !== precision) throw new SketchDecodeError(`HyperLogLog precision ${p} does not match ${precision}`);
  const m = 1 << p;
  const maxRank = 64 - p + 1;
  const sparseLimit = m >>> 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === KIND_SPARSE) {
    if (bytes.length < HEADER_BYTES + 4) throw new SketchDecodeError("sparse HyperLogLog encoding truncated before its count");
    const n = view.getUint32(HEADER_BYTES, true);
    if (n > sparseLimit) throw new SketchDecodeError(`sparse HyperLogLog holds ${n} entries, more than ${sparseLimit}`);
    const expected = HEADER_BYTES + 4 + 4 * n;
    if (bytes.length !== expected) throw new SketchDecodeError(`sparse HyperLogLog of ${n} entries must be ${expected} bytes, got ${bytes.length}`);
    const s = n === 0 ? EMPTY : new Uint32Array(capacityFor(n));
    let prev = -1;
    for (let i = 0; i < n; i++) {
      const e = view.getUint32(HEADER_BYTES + 4 + 4 * i, true);
      if (e <= prev) throw new SketchDecodeError(`sparse HyperLogLog entries not strictly increasing at ${i}`);
      const rank = e & RANK_MASK;
      if (rank === 0 || rank > maxRank) throw new SketchDecodeError(`sparse HyperLogLog entry ${i} has rank ${rank}`);
      s[i] = e;
      prev = e;
    }
    return { sparse: s, count: n, dense: null };
  }
  if (kind === KIND_DENSE) {
    const expected = HEADER_BYTES + (m * 3) / 4;
    if (bytes.length !== expected) throw new SketchDecodeError(`dense HyperLogLog must be ${expected} bytes, got ${bytes.length}`);
    const dense = new Uint8Array(m);
    for (let r = 0, o = HEADER_BYTES; r < m; r += 4, o += 3) {
      const v = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16);
      for (let j = 0; j < 4; j++) {
        const reg = (v >>> (6 * j)) & 63;
        if (reg > maxRank) throw new SketchDecodeError(`dense HyperLogLog register ${r + j} is ${reg}, above ${maxRank}`);
        dense[r + j] = reg;
      }
    }
    return { sparse: null, count: 0, dense };
  }
  throw new SketchDecodeError(`unknown HyperLogLog kind ${kind}`);
}
