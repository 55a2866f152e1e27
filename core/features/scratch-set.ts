/**
 * A set of 32-bit values with O(1) clearing (generation stamps): feature extraction de-duplicates
 * words and shingles on every request, and clearing a table per request would cost more than filling
 * it. An isolate runs one extraction at a time, so each user keeps one module-level set.
 */
export class U32Set {
  private keys: Uint32Array;
  private stamps: Uint32Array;
  private gen = 0;
  private bits: number;
  constructor(bits: number) {
    this.bits = bits;
    this.keys = new Uint32Array(1 << bits);
    this.stamps = new Uint32Array(1 << bits);
  }
  /** Empties the set and makes room for `n` values (more must never be added: the table would fill). */
  reset(n: number): void {
    let bits = this.bits;
    while (1 << bits < n * 2) bits++;
    if (bits !== this.bits) {
      this.bits = bits;
      this.keys = new Uint32Array(1 << bits);
      this.stamps = new Uint32Array(1 << bits);
      this.gen = 0;
    }
    this.gen = (this.gen + 1) >>> 0;
    if (this.gen === 0) {
      this.stamps.fill(0);
      this.gen = 1;
    }
  }
  /** Adds `x`; true when it was not there yet. */
  add(x: number): boolean {
    x >>>= 0;
    const mask = (1 << this.bits) - 1;
    let i = Math.imul(x, 0x9e3779b1) >>> (32 - this.bits);
    const keys = this.keys;
    const stamps = this.stamps;
    const gen = this.gen;
    for (;;) {
      if (stamps[i] !== gen) {
        stamps[i] = gen;
        keys[i] = x;
        return true;
      }
      if (keys[i] === x) return false;
      i = (i + 1) & mask;
    }
  }
  has(x: number): boolean {
    x >>>= 0;
    const mask = (1 << this.bits) - 1;
    let i = Math.imul(x, 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      if (this.stamps[i] !== this.gen) return false;
      if (this.keys[i] === x) return true;
      i = (i + 1) & mask;
    }
  }
}
