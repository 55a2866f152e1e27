import { describe, expect, it } from "vitest";
import { gcra, peek } from "../../core/limits";

const limit = { name: "requests", quota: 10, periodMs: 60_000 };

describe("GCRA", () => {
  it("allows the whole quota as a burst, then refuses with the exact wait", () => {
    let tat = 0;
    const now = 1_000_000;
    for (let i = 0; i < 10; i++) {
      const r = gcra(limit, tat, now);
      expect(r.allowed).toBe(true);
      expect(r.remaining).toBe(9 - i);
      tat = r.tat;
    }
    const refused = gcra(limit, tat, now);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(6_000);
    expect(refused.tat).toBe(tat);
    expect(gcra(limit, tat, now + 5_999).allowed).toBe(false);
    expect(gcra(limit, tat, now + 6_000).allowed).toBe(true);
  });

  it("refills at quota per period and never above the quota", () => {
    const tat = 1_000_000 + 60_000;
    expect(peek(limit, tat, 1_000_000)).toBe(0);
    expect(peek(limit, tat, 1_030_000)).toBe(5);
    expect(peek(limit, tat, 5_000_000)).toBe(10);
  });

  it("charges a cost and never passes a cost above the quota", () => {
    const r = gcra(limit, 0, 0, 4);
    expect(r.allowed).toBe(true);
    expect(r.remaining).toBe(6);
    const huge = gcra(limit, 0, 0, 11);
    expect(huge.allowed).toBe(false);
    expect(huge.retryAfterMs).toBe(60_000);
  });
});
