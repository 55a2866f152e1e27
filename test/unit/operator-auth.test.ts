/**
 * The operator token check. tokenMatches hashes both tokens with SHA-256 and
 * compares the two 32-byte digests with a loop that never exits early, so its running time depends
 * neither on where the tokens differ nor on their lengths. Checked here: results for missing,
 * wrong and differently-sized tokens; that both sides are always digested (no length short-cut);
 * and that the comparison reads every byte whatever the position of the first difference.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { bearer, digestsEqual, tokenMatches } from "../../worker/operator-auth";

const TOKEN = "op-7cH2kQ9xV4mL8rT1sW6yZ3bN5dF0gJ";

describe("tokenMatches", () => {
  afterEach(() => vi.restoreAllMocks());

  it("accepts only the exact token", async () => {
    expect(await tokenMatches(TOKEN, TOKEN)).toBe(true);
    for (const wrong of [
      "",
      " ",
      TOKEN.slice(0, -1),
      `${TOKEN}x`,
      TOKEN.toUpperCase(),
      `x${TOKEN.slice(1)}`,
      `${TOKEN.slice(0, -1)}x`,
      "x".repeat(10_000),
      `${TOKEN}\u0000`,
      TOKEN.normalize("NFD") + "\u0301",
    ]) {
      expect(await tokenMatches(wrong, TOKEN), JSON.stringify(wrong.slice(0, 40))).toBe(false);
    }
  });

  it("always digests both sides, whatever the lengths (no short-cut on a length mismatch)", async () => {
    const digest = vi.spyOn(crypto.subtle, "digest");
    for (const presented of ["", "a", TOKEN, "b".repeat(TOKEN.length), "c".repeat(5000)]) {
      digest.mockClear();
      await tokenMatches(presented, TOKEN);
      expect(digest).toHaveBeenCalledTimes(2);
      const lengths = digest.mock.calls.map((c) => (c[1] as Uint8Array).byteLength).sort((a, b) => a - b);
      expect(lengths).toEqual([presented.length, TOKEN.length].sort((a, b) => a - b));
    }
  });

  it("reads every byte of both digests, wherever they first differ", () => {
    // Deterministic stand-in for a timing test (timed assertions do not belong in npm test): the
    // comparison's work is its byte reads, so count them.
    const counted = (bytes: number[]) => {
      let reads = 0;
      const proxy = new Proxy(bytes, {
        get: (t, k) => {
          if (typeof k !== "string" || !/^\d+$/.test(k)) return Reflect.get(t, k);
          reads++;
          return t[Number(k)];
        },
      });
      return { proxy, reads: () => reads };
    };
    const base = Array.from({ length: 32 }, (_, i) => i);
    for (const at of [0, 15, 31, -1]) {
      const other = base.slice();
      if (at >= 0) other[at]! ^= 0xff;
      const a = counted(base);
      const b = counted(other);
      expect(digestsEqual(a.proxy, b.proxy)).toBe(at < 0);
      expect(a.reads()).toBe(32);
      expect(b.reads()).toBe(32);
    }
  });
});

describe("bearer", () => {
  it("reads a Bearer token and nothing else", () => {
    const h = (v: string) => new Headers({ authorization: v });
    expect(bearer(h(`Bearer ${TOKEN}`))).toBe(TOKEN);
    expect(bearer(h(`bearer \t${TOKEN}  `))).toBe(TOKEN);
    expect(bearer(h(`Basic ${TOKEN}`))).toBe("");
    expect(bearer(h(`Bearer ${TOKEN} extra`))).toBe("");
    expect(bearer(h("Bearer"))).toBe("");
    expect(bearer(new Headers())).toBe("");
  });
});
