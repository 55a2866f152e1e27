/** Set bits of a byte. */
function popcount8(x: number): number {
  x = x - ((x >>> 1) & 0x55);
  x = (x & 0x33) + ((x >>> 2) & 0x33);
  return (x + (x >>> 4)) & 0x0f;
}

/** Set bits of a bitset (topic buckets covered). */
export function popcount(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) n += popcount8(b);
  return n;
}
