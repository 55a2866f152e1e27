import { describe, expect, it } from "vitest";
import { VerdictCache } from "../../worker/verdict-cache";

const block = { action: "block" as const, reasons: ["r"], until: null, since: 0 };
const allow = { action: "allow" as const, reasons: [], until: null, since: null };

describe("VerdictCache", () => {
  it("answers within the TTL of the request time and not after", () => {
    const c = new VerdictCache(10_000);
    c.set("f", block, 1_000);
    expect(c.get("f", 1_000)).toBe(block);
    expect(c.get("f", 10_999)).toBe(block);
    expect(c.get("f", 11_000)).toBeNull();
    // A request timed before the entry was learnt cannot use it.
    expect(c.get("f", 999)).toBeNull();
    expect(c.get("g", 1_000)).toBeNull();
  });

  it("never lets an older answer replace a newer one", () => {
    const c = new VerdictCache(10_000);
    c.set("f", block, 5_000);
    c.set("f", allow, 4_000);
    expect(c.get("f", 5_000)).toBe(block);
    c.set("f", allow, 6_000);
    expect(c.get("f", 6_000)).toBe(allow);
  });

  it("stays within its capacity, forgetting the least recently learnt", () => {
    const c = new VerdictCache(10_000, 3);
    for (const [i, id] of ["a", "b", "c"].entries()) c.set(id, allow, i);
    c.set("a", block, 10); // refreshed: now the newest
    c.set("d", allow, 11);
    expect(c.size).toBe(3);
    expect(c.get("b", 11)).toBeNull();
    expect(c.get("a", 11)).toBe(block);
  });
});
