/**
 * The Worker and its Durable Objects started with a custom DETECTION_POLICY (the workerd-policy
 * project in vitest.config.ts sets it as a JSON string binding, as `--var` would): the operator
 * status reports the preset, and a heavy sweep is judged by it, not by the defaults. Under the
 * defaults the same sweep is refused by its 13th request and blocked (test/worker/detection.test.ts).
 */
import { describe, expect, it } from "vitest";
import { chat, freshKey, send, T0 } from "../support/client";
import { debugOf } from "../support/debug";
import { op } from "../support/operator-flow";
import { sweepPrompts } from "../support/prompts";
import { CUSTOM_POLICY } from "./preset";

describe("a guard started with a custom detection policy", () => {
  it("reports the preset's thresholds to operators, and the defaults for the fields it leaves out", async () => {
    const res = await op<{ thresholds: Record<string, number> }>("GET", "/_guard/v1/status", undefined, T0);
    expect(res.body.thresholds).toMatchObject({ minRequests: CUSTOM_POLICY.minRequests, blockScore: CUSTOM_POLICY.blockScore, throttleScore: 1, noveltyRatio: 0.85, distinctPromptBudget: 5000 });
  });

  it("judges a heavy sweep by the preset: nothing refused before minRequests, then throttled but never blocked", async () => {
    const key = freshKey("policy-sweep");
    const statuses: number[] = [];
    const causes: (string | undefined)[] = [];
    for (const [i, p] of sweepPrompts(80).entries()) {
      const res = await send("/v1/chat/completions", chat(p, { max_tokens: 4096, temperature: 0 }), { key, time: T0 + i * 5_000, ip: "203.0.113.10", ua: "python-requests/2.31.0" });
      await res.arrayBuffer();
      statuses.push(res.status);
      causes.push(debugOf(res)?.cause);
    }
    const first = statuses.findIndex((s) => s !== 200);
    expect(first).toBeGreaterThanOrEqual(CUSTOM_POLICY.minRequests - 1);
    expect(first).toBeLessThan(CUSTOM_POLICY.minRequests + 10);
    const refused = statuses.slice(first);
    expect(refused.every((s) => s === 429)).toBe(true);
    expect(causes.slice(first).every((c) => c === "extraction")).toBe(true);
  });
});
