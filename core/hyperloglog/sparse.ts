/**
 * Sparse form: a sorted, de-duplicated Uint32Array of entries, one per distinct (index, extra bits,
 * rank) triple. Entry layout, most significant bit first:
 *
 *   [ register index : p bits ][ low 26 − p bits of `lo` : 26 − p bits ][ rank : 6 bits ]
 *
 * The index and the rank are exactly what dense insertion uses, so converting to dense (max rank per
 * index) yields the very registers direct dense insertion would have. The extra bits come from the
 * low end of `lo`, which only influences the rank when the 32 − p rank bits of `hi` are all zero
 * (probability 2^(p−32)), so they are effectively independent of the rank. Two distinct hashes share
 * an entry with probability ≈ 2^−26 · Σ 4^−r = 2^−26 / 3; at the largest sparse size (p = 16, 16384
 * entries) that is ≈ 0.7 expected collisions, a 4·10^−5 undercount, so the sparse estimate is the
 * plain entry count with no correction.
 */

export const RANK_BITS = 6;
export const RANK_MASK = (1 << RANK_BITS) - 1;
const MIN_SPARSE_CAPACITY = 4;
export const EMPTY = new Uint32Array(0);

/** Sparse capacity for `count` entries: next power of two, which never exceeds m/4 (a power of two). */
export function capacityFor(count: number): number {
  let c = MIN_SPARSE_CAPACITY;
  while (c < count) c *= 2;
  return c;
}

/** The first position in the sorted entries s[0, n) whose entry is not below `x`. */
export function lowerBound(s: Uint32Array, n: number, x: number): number {
  let a = 0;
  let b = n;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (s[mid]! < x) a = mid + 1;
    else b = mid;
  }
  return a;
}

/**
 * Puts `entry` at position `a` of the n entries in `s`, growing the array (to the next capacity) when
 * it is full; returns the array that now holds them. One native memmove per new entry: measured
 * ≈ 0.1 µs per repeated hash and ≈ 0.5 µs per new entry at p = 16 (0.35 µs at p = 10). Simpler than a
 * lazily sorted buffer, and it answers "did the state change" exactly, which a buffer could only do
 * with a scan.
 */
export function insertAt(s: Uint32Array, n: number, a: number, entry: number): Uint32Array {
  if (n === s.length) {
    const grown = new Uint32Array(capacityFor(n + 1));
    grown.set(s.subarray(0, a));
    grown.set(s.subarray(a, n), a + 1);
    s = grown;
  } else {
    s.copyWithin(a + 1, a, n);
  }
  s[a] = entry;
  return s;
}

/** The largest rank the entries s[0, n) of precision `p` hold for register `index`; 0 when none. */
export function maxRankAt(s: Uint32Array, n: number, p: number, index: number): number {
  const shift = 32 - p;
  let a = lowerBound(s, n, (index << shift) >>> 0);
  let rank = 0;
  for (; a < n && s[a]! >>> shift === index; a++) {
    const r = s[a]! & RANK_MASK;
    if (r > rank) rank = r;
  }
  return rank;
}

/** The sorted union of the sorted entries a[0, an) and b[0, bn) into `out`; returns its length. */
export function unionSorted(a: Uint32Array, an: number, b: Uint32Array, bn: number, out: Uint32Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < an && j < bn) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out[n++] = x;
      i++;
    } else if (y < x) {
      out[n++] = y;
      j++;
    } else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  while (i < an) out[n++] = a[i++]!;
  while (j < bn) out[n++] = b[j++]!;
  return n;
}
