import { describe, expect, it } from "vitest";
import { allowed, decide, type Decision, type LimitState, type Vote } from "../../core/decision";

const NOW = 1_000_000;
const LIMITS: LimitState[] = [{ name: "requests", quota: 10, windowS: 60, remaining: 0, resetS: 5 }];
const rate: Vote = { kind: "rate", which: "request", retryAfterMs: 5000 };
const deny = (until: number | null = NOW + 60_000): Vote => ({ kind: "deny", reasons: ["deny-listed by an operator: r"], until });
const exempt: Vote = { kind: "exempt" };
const verdict = (action: "allow" | "throttle" | "block", via?: string, until: number | null = NOW + 900_000): Vote => ({
  kind: "verdict",
  action,
  reasons: [`${action} by ${via ?? "account"}`],
  until,
  ...(via ? { via } : {}),
});

const enforce = (votes: Vote[], start: Decision = allowed(LIMITS)) => decide(start, votes, NOW, false);
const shadow = (votes: Vote[], start: Decision = allowed(LIMITS)) => decide(start, votes, NOW, true);

describe("decide: how subjects' votes become a request's answer", () => {
  it("allows with the limits when nobody objects", () => {
    expect(enforce([])).toEqual({ decision: { action: "allow", cause: "none", reasons: [], until: null, retryAfterMs: 0, limits: LIMITS }, adopt: null });
  });

  it("throttles on a rate limit", () => {
    expect(enforce([rate]).decision).toEqual({ action: "throttle", cause: "rate", reasons: ["request rate limit"], until: null, retryAfterMs: 5000, limits: LIMITS });
  });

  it("a deny entry blocks, with Retry-After at its expiry, and no shadow", () => {
    const d = enforce([rate, deny()]).decision;
    expect(d).toEqual({ action: "block", cause: "override", reasons: ["deny-listed by an operator: r"], until: NOW + 60_000, retryAfterMs: 60_000, limits: LIMITS, override: "deny" });
    expect(enforce([deny(null)]).decision.retryAfterMs).toBe(0);
  });

  it("a deny entry blocks in shadow mode too, and drops the shadow verdict seen before it", () => {
    const d = shadow([verdict("block"), deny()], allowed([])).decision;
    expect(d.action).toBe("block");
    expect(d.cause).toBe("override");
    expect(d).not.toHaveProperty("shadow");
  });

  it("an override is final: nothing after a deny or an exemption changes the answer", () => {
    expect(enforce([deny(), verdict("block", "s1")]).decision.reasons).toEqual(["deny-listed by an operator: r"]);
    expect(enforce([deny(), exempt]).decision.override).toBe("deny");
    const first = enforce([deny(NOW + 1000), deny(NOW + 2000)]).decision;
    expect(first.until).toBe(NOW + 1000);
    const allowedOnly = enforce([exempt, verdict("block", "s1"), deny()]);
    expect(allowedOnly).toEqual({ decision: { ...allowed(LIMITS), override: "allow" }, adopt: null });
  });

  it("an exemption keeps rate limits but marks the answer as allowed by an operator", () => {
    expect(enforce([rate, exempt]).decision).toMatchObject({ action: "throttle", cause: "rate", override: "allow" });
  });

  it("an exemption comes after the account's own active verdict (it only stops new ones)", () => {
    expect(enforce([verdict("throttle"), exempt]).decision).toMatchObject({ action: "throttle", cause: "extraction", override: "allow" });
  });

  it("an extraction verdict outranks a rate throttle, with Retry-After at its end", () => {
    const d = enforce([rate, verdict("throttle")]).decision;
    expect(d).toEqual({ action: "throttle", cause: "extraction", reasons: ["throttle by account"], until: NOW + 900_000, retryAfterMs: 900_000, limits: LIMITS });
    expect(enforce([verdict("block", undefined, null)]).decision.retryAfterMs).toBe(0);
  });

  it("the most severe verdict answers; the first of equals keeps it; an allow verdict is no vote", () => {
    expect(enforce([verdict("throttle"), verdict("block", "s1")])).toMatchObject({ decision: { action: "block", reasons: ["block by s1"] }, adopt: "s1" });
    expect(enforce([verdict("block"), verdict("throttle", "s1")])).toMatchObject({ decision: { action: "block", reasons: ["block by account"] }, adopt: null });
    expect(enforce([verdict("throttle", "s1"), verdict("throttle", "n2")])).toMatchObject({ decision: { reasons: ["throttle by s1"] }, adopt: "s1" });
    expect(enforce([verdict("throttle", "s1"), verdict("block", "n2")]).adopt).toBe("n2");
    expect(enforce([rate, verdict("allow", "s1")])).toMatchObject({ decision: { cause: "rate" }, adopt: null });
  });

  it("a later deny entry cancels a fingerprint verdict's adoption", () => {
    expect(enforce([verdict("block", "s1"), deny()])).toMatchObject({ decision: { cause: "override" }, adopt: null });
  });

  it("in shadow mode verdicts fill `shadow` only, most severe first of equals, and never adopt", () => {
    const d = shadow([rate, verdict("throttle"), verdict("block", "s1"), verdict("block", "n2")]);
    expect(d.decision).toEqual({
      action: "throttle",
      cause: "rate",
      reasons: ["request rate limit"],
      until: null,
      retryAfterMs: 5000,
      limits: LIMITS,
      shadow: { action: "block", reasons: ["block by s1"] },
    });
    expect(d.adopt).toBeNull();
    expect(shadow([verdict("block"), verdict("throttle", "s1")]).decision.shadow).toEqual({ action: "block", reasons: ["block by account"] });
    expect(shadow([verdict("allow", "s1")]).decision).not.toHaveProperty("shadow");
  });

  it("under the account's shadow entry verdicts only fill `shadow`, a fingerprint's too; rate limits and denies still refuse", () => {
    const account = enforce([{ kind: "shadow" }, verdict("block")]);
    expect(account.decision).toMatchObject({ action: "allow", cause: "none", override: "shadow", shadow: { action: "block", reasons: ["block by account"] } });
    const folded = enforce([verdict("block", "s1")], account.decision);
    expect(folded.decision.action).toBe("allow");
    expect(folded.adopt).toBeNull();
    expect(enforce([{ kind: "shadow" }, rate, verdict("block")]).decision).toMatchObject({ action: "throttle", cause: "rate" });
    expect(enforce([deny()], account.decision).decision).toMatchObject({ action: "block", cause: "override" });
  });

  it("a fingerprint under its own shadow entry is only marked; another fingerprint's verdict still answers", () => {
    const d = enforce([{ ...verdict("block", "s1"), shadow: true } as Vote, verdict("throttle", "s2")]);
    expect(d.decision).toMatchObject({ action: "throttle", cause: "extraction", shadow: { action: "block", reasons: ["block by s1"] } });
    expect(d.adopt).toBe("s2");
  });

  it("folds a fingerprint's votes into the account's decision as the Worker does", () => {
    const account = enforce([rate]).decision;
    expect(enforce([verdict("throttle", "s1")], account)).toMatchObject({ decision: { action: "throttle", cause: "extraction", limits: LIMITS }, adopt: "s1" });
    const extraction = enforce([verdict("block")]).decision;
    expect(enforce([verdict("throttle", "s1")], extraction)).toMatchObject({ decision: { action: "block", reasons: ["block by account"] }, adopt: null });
  });
});
