/**
 * The operator token check (issue 4, item 5). tokenMatches hashes both tokens with SHA-256 and
 * compares the two 32-byte digests with a loop that never exits early, so its running time depends
 * neither on where the tokens differ nor on their lengths. Checked here: results for missing,
 * wrong and differently-sized tokens; that both sides are always digested (no length short-cut);
 * and, loosely, that timing does not follow the length of the matching prefix.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { bearer, tokenMatches } from "../../worker/operator-auth";

const TOKEN = "op-7cH2kQ9xV4mL8rT1sW6yZ3bN5dF0gJ";

describe("tokenMatches", () => {
  afterEach(() => vi.restoreAllMocks());

  it("accepts only the exact token", async () => {
    expect(await tokenMatches(TOKEN, TOKEN)).toBe(true);
    for (const wrong of ["", " ", TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), `x${TOKEN.slice(1)}`, `${TOKEN.slice(0, -1)}x`, "x".repeat(10_000), `${TOKEN}\u0000`, TOKEN.normalize("NFD") + "\u0301"]) {
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

  it("takes as long for a token wrong in its first character as for one wrong in its last", async () => {
    const early = `X${TOKEN.slice(1)}`;
    const late = `${TOKEN.slice(0, -1)}X`;
    const times: Record<"early" | "late", number[]> = { early: [], late: [] };
    // Interleaved, so drift in machine load hits both alike; medians, so pauses do not count.
    for (let i = 0; i < 3000; i++) {
      for (const [name, t] of [["early", early], ["late", late]] as const) {
        const t0 = performance.now();
        await tokenMatches(t, TOKEN);
        times[name].push(performance.now() - t0);
      }
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
    const ratio = median(times.late) / median(times.early);
    expect(ratio).toBeGreaterThan(0.67);
    expect(ratio).toBeLessThan(1.5);
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
