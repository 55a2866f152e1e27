import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_MAX, IDEMPOTENCY_TTL_MS, IdempotencyLedger } from "../../durable-objects/idempotency";
import type { Decision } from "../../durable-objects/protocol";

const allow: Decision = { action: "allow", cause: "none", reasons: [], until: null, retryAfterMs: 0, limits: [] };
const throttle: Decision = { action: "throttle", cause: "rate", reasons: ["request rate limit"], until: null, retryAfterMs: 30_000, limits: [] };
const blockForever: Decision = { action: "block", cause: "extraction", reasons: ["x"], until: null, retryAfterMs: 0, limits: [] };

describe("IdempotencyLedger", () => {
  it("answers a retry with the first decision, the wait shortened by the time passed", () => {
    const l = new IdempotencyLedger();
    expect(l.check("a", 0)).toBeNull();
    l.remember("a", 0, throttle, false);
    expect(l.check("a", 10_000)).toEqual({ kind: "answer", decision: { ...throttle, retryAfterMs: 20_000 } });
  });

  it("decides a lapsed refusal again, and keeps an unexpiring block", () => {
    const l = new IdempotencyLedger();
    l.remember("t", 0, throttle, false);
    expect(l.check("t", 30_001)).toEqual({ kind: "retry" });
    l.remember("b", 0, blockForever, false);
    expect(l.check("b", 60_000)?.kind).toBe("answer");
  });

  it("forgets after the window, after the replay cap, and keeps at most IDEMPOTENCY_MAX ids", () => {
    const l = new IdempotencyLedger();
    l.remember("a", 0, allow, false);
    expect(l.check("a", IDEMPOTENCY_TTL_MS + 1)).toBeNull();
    l.remember("c", 0, allow, false);
    expect(l.check("c", 1)?.kind).toBe("answer");
    expect(l.check("c", 2)?.kind).toBe("answer");
    expect(l.check("c", 3)).toBeNull();
    for (let i = 0; i < IDEMPOTENCY_MAX + 10; i++) l.remember(`k${i}`, 100, allow, false);
    expect(l.save()).toHaveLength(IDEMPOTENCY_MAX);
    expect(l.check("k0", 101)).toBeNull();
    expect(l.check(`k${IDEMPOTENCY_MAX + 9}`, 101)?.kind).toBe("answer");
  });

  it("round-trips through save and load, and reports changes once", () => {
    const l = new IdempotencyLedger();
    l.remember("a", 5, allow, false);
    expect(l.takeDirty()).toBe(true);
    expect(l.takeDirty()).toBe(false);
    const m = new IdempotencyLedger();
    m.load(JSON.parse(JSON.stringify(l.save())));
    expect(m.check("a", 6)?.kind).toBe("answer");
    m.load(null);
    expect(m.check("a", 7)).toBeNull();
  });
});
