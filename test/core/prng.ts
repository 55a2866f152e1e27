/**
 * Seeded pseudo-random numbers for deterministic statistical tests: xoshiro128** seeded through
 * splitmix32. Not for anything security related.
 */

import type { Hash64 } from "../../core/hash";

/** splitmix32: a counter run through a 32-bit finaliser; good for seeding, cheap. */
export function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/** xoshiro128**: period 2^128 − 1, passes BigCrush; the workhorse for test inputs. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    // The all-zero state is the one fixed point; splitmix32 cannot produce four zeros in a row, but be safe.
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n), n ≤ 2^32. */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniform 64-bit hash. */
  hash(out: Hash64 = { hi: 0, lo: 0 }): Hash64 {
    out.hi = this.u32();
    out.lo = this.u32();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Mean and sample standard deviation. */
export function meanStd(xs: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  const mean = sum / xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (xs.length - 1)) };
}
