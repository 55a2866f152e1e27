/**
 * The operator token check. Both sides are hashed first so the comparison always walks 32 bytes:
 * its time depends neither on where the tokens differ nor on their lengths.
 */
const encoder = new TextEncoder();

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(s)));
}

/** Compares two equal-length digests reading every byte of both: no early exit on a mismatch. */
export function digestsEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b[i] ?? 0);
  return diff === 0;
}

export async function tokenMatches(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  return digestsEqual(a, b);
}

/** The bearer token of a request, or "" when there is none. */
export function bearer(headers: Headers): string {
  const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return m ? m[1]! : "";
}
