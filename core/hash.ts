/**
 * Keyed 64-bit hashing for sketches and identities.
 *
 * Why hand-written: the fast hashes on npm (xxhash-wasm, hash-wasm) compile WebAssembly from bytes at
 * run time, which Workers forbid, and pure-JS SipHash (the `siphash` package) allocates per 64-bit
 * operation, far too slow for the hundreds of shingles a long prompt yields. This is a two-lane
 * MurmurHash3-style function over UTF-16 code units whose seeds and final whitening come from
 * GUARD_SECRET, so an attacker who knows the algorithm cannot predict which register or rank an
 * input lands on and cannot pin or inflate a sketch. It is not a cryptographic PRF: identities (API
 * keys) use HMAC-SHA-256 instead (see `hmacHex`).
 *
 * A 64-bit value is carried as two unsigned 32-bit halves to stay clear of BigInt on the hot path.
 */

export interface HashKey {
  /** lane seeds */
  readonly s1: number;
  readonly s2: number;
  /** final whitening words */
  readonly w1: number;
  readonly w2: number;
}

export interface Hash64 {
  hi: number;
  lo: number;
}

/** MurmurHash3's block constants; core/text.ts inlines the lane-1 mix with them for speed. */
export const C1 = 0xcc9e2d51;
export const C2 = 0x1b873593;
// Lane 2 uses other constants and rotations so a collision in one lane says nothing about the other.
const D1 = 0x85ebca6b;
const D2 = 0xc2b2ae35;

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function finish(key: HashKey, h1: number, h2: number, len: number, out: Hash64): Hash64 {
  h1 ^= len;
  h2 ^= len;
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix32(h1 ^ key.w1);
  h2 = fmix32(h2 ^ key.w2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  out.hi = h1 >>> 0;
  out.lo = h2 >>> 0;
  return out;
}

function mixLane1(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function mixLane2(h: number, k: number): number {
  k = Math.imul(k, D1);
  k = (k << 17) | (k >>> 15);
  k = Math.imul(k, D2);
  h ^= k;
  h = (h << 11) | (h >>> 21);
  return (Math.imul(h, 9) + 0x52dce729) | 0;
}

/** Hashes the UTF-16 code units of `s[start, end)`. */
export function hashString(key: HashKey, s: string, out: Hash64 = { hi: 0, lo: 0 }, start = 0, end = s.length): Hash64 {
  let h1 = key.s1 | 0;
  let h2 = key.s2 | 0;
  let i = start;
  const pairs = end - ((end - start) & 1);
  for (; i < pairs; i += 2) {
    const k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    h1 = mixLane1(h1, k);
    h2 = mixLane2(h2, k);
  }
  if (i < end) {
    const k = s.charCodeAt(i);
    h1 = mixLane1(h1, k ^ 0x80000000);
    h2 = mixLane2(h2, k ^ 0x80000000);
  }
  return finish(key, h1, h2, end - start, out);
}

/** Hashes a sequence of 32-bit words, e.g. the word hashes that make up one shingle. */
export function hashWords(key: HashKey, words: ArrayLike<number>, start: number, count: number, out: Hash64 = { hi: 0, lo: 0 }): Hash64 {
  let h1 = key.s1 ^ 0x5bd1e995;
  let h2 = key.s2 ^ 0x27d4eb2f;
  for (let i = start; i < start + count; i++) {
    const k = words[i]! | 0;
    h1 = mixLane1(h1, k);
    h2 = mixLane2(h2, k);
  }
  return finish(key, h1, h2, count << 2, out);
}

/** A cheap 32-bit hash of a word, used to build shingles; keyed with lane 1's seed only. */
export function hashWord32(key: HashKey, s: string, start: number, end: number): number {
  let h = key.s1 ^ 0x9e3779b9;
  for (let i = start; i < end; i++) h = mixLane1(h, s.charCodeAt(i));
  return fmix32(h ^ (end - start));
}

/** Hex of a 64-bit hash, 16 characters, zero padded. */
export function hash64Hex(h: Hash64): string {
  return h.hi.toString(16).padStart(8, "0") + h.lo.toString(16).padStart(8, "0");
}

const encoder = new TextEncoder();

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

/** HMAC-SHA-256(secret, message) as hex, truncated to `bytes` bytes. Used for account ids. */
export async function hmacHex(secret: string, message: string, bytes = 16): Promise<string> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = hmacKey(secret);
    hmacKeys.set(secret, key);
  }
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(message)));
  let hex = "";
  for (let i = 0; i < bytes; i++) hex += mac[i]!.toString(16).padStart(2, "0");
  return hex;
}

/** Derives the sketch hash key for one purpose from the secret, so purposes never share seeds. */
export async function deriveHashKey(secret: string, purpose = "sketch/v1"): Promise<HashKey> {
  const hex = await hmacHex(secret, `distill-guard:${purpose}`, 16);
  const w = (i: number) => parseInt(hex.slice(i * 8, i * 8 + 8), 16) >>> 0;
  return { s1: w(0), s2: w(1), w1: w(2), w2: w(3) };
}

/** A key from fixed words, for tests and benchmarks that need determinism without a secret. */
export function hashKeyFromWords(s1: number, s2: number, w1: number, w2: number): HashKey {
  return { s1: s1 >>> 0, s2: s2 >>> 0, w1: w1 >>> 0, w2: w2 >>> 0 };
}
