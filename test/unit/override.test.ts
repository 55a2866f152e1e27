import { describe, expect, it } from "vitest";
import { activeOverride, afterLift, denied, denyDecision, EMPTY_OVERRIDE, exempt, policyFor, quota, shadowed, type Override, type OverrideRecord } from "../../core/override";

const T = 1_000_000;
const o = (x: Partial<Override>): OverrideRecord => ({ override: { list: null, limits: {}, reason: "r", until: null, setAt: T, ...x }, graceUntil: null });

describe("overrides", () => {
  it("apply until their expiry, then lapse", () => {
    const r = o({ list: "deny", until: T + 1000 });
    expect(denied(r, T + 999)).not.toBeNull();
    expect(denied(r, T + 1000)).toBeNull();
    expect(activeOverride(o({ list: "deny" }), T + 1e12)).not.toBeNull();
    expect(denied(EMPTY_OVERRIDE, T)).toBeNull();
  });

  it("exempt allow-listed subjects and subjects in a lift's grace", () => {
    expect(exempt(o({ list: "allow" }), T)).toBe(true);
    expect(exempt(o({ list: "deny" }), T)).toBe(false);
    expect(exempt({ override: null, graceUntil: T + 5 }, T + 4)).toBe(true);
    expect(exempt({ override: null, graceUntil: T + 5 }, T + 5)).toBe(false);
  });

  it("watch shadowed subjects until the entry expires, without exempting them; a lift ends the watch and keeps limits", () => {
    const r = o({ list: "shadow", until: T + 1000 });
    expect(shadowed(r, T)).toBe(true);
    expect(shadowed(r, T + 1000)).toBe(false);
    expect(exempt(r, T)).toBe(false);
    expect(denied(r, T)).toBeNull();
    expect(shadowed(o({ list: "deny" }), T)).toBe(false);
    expect(afterLift(r.override)).toBeNull();
    expect(afterLift(o({ list: "shadow", limits: { requests: 9 } }).override)).toMatchObject({ list: null, limits: { requests: 9 } });
    const deny = o({ list: "deny" }).override;
    expect(afterLift(deny)).toBe(deny);
  });

  it("replace quotas and the distinct-prompt budget only while active", () => {
    const r = o({ limits: { requests: 5000, distinctPrompts: 9000 }, until: T + 10 });
    expect(quota(r, T, "requests", 600)).toBe(5000);
    expect(quota(r, T, "tokens", 2e6)).toBe(2e6);
    expect(quota(r, T + 10, "requests", 600)).toBe(600);
    expect(policyFor(r, T, { DISTINCT_PROMPT_BUDGET: 1500, MIN_REQUESTS: 30 })).toEqual({ DISTINCT_PROMPT_BUDGET: 9000, MIN_REQUESTS: 30 });
    const cfg = { DISTINCT_PROMPT_BUDGET: 1500 };
    expect(policyFor(EMPTY_OVERRIDE, T, cfg)).toBe(cfg);
  });

  it("answer a deny as a block caused by the override, with a retry only when it expires", () => {
    expect(denyDecision(o({ list: "deny", until: T + 60_000 }).override!, T)).toEqual({
      action: "block",
      cause: "override",
      reasons: ["deny-listed by an operator: r"],
      until: T + 60_000,
      retryAfterMs: 60_000,
    });
    expect(denyDecision(o({ list: "deny" }).override!, T).retryAfterMs).toBe(0);
  });
});
