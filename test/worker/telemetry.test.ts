import { afterEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../core/config";
import type { Decision } from "../../durable-objects/protocol";
import { logVerdict } from "../../worker/telemetry";
import { chat, freshKey, send, T0 } from "../support/client";

const cfg = parseConfig({ GUARD_SECRET: "s3cret-value", ADMIN_TOKEN: "admin-t0ken" });
const block: Decision = { action: "block", cause: "extraction", reasons: ["account: novel single-shot prompts"], until: T0 + 1000, retryAfterMs: 1000, limits: [] };

function fakeEnv() {
  const points: AnalyticsEngineDataPoint[] = [];
  return { env: { ANALYTICS: { writeDataPoint: (p: AnalyticsEngineDataPoint) => points.push(p ?? {}) } } as unknown as Env, points };
}

afterEach(() => vi.restoreAllMocks());

describe("telemetry", () => {
  it("logs one JSON line per refusal with ids and reasons only, and counts it in Analytics Engine", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const { env, points } = fakeEnv();
    logVerdict(env, cfg, { now: T0, account: "a".repeat(32), path: "/v1/chat/completions", decision: block, failed: false });
    expect(log).toHaveBeenCalledTimes(1);
    const line = JSON.parse(log.mock.calls[0]![0] as string);
    expect(line).toEqual({ event: "verdict", t: T0, account: "a".repeat(32), path: "/v1/chat/completions", action: "block", cause: "extraction", reasons: block.reasons, mode: "enforce" });
    expect(points).toEqual([{ blobs: ["block", "extraction", "/v1/chat/completions", "enforce"], doubles: [1, 0], indexes: ["a".repeat(32)] }]);
    const all = JSON.stringify([log.mock.calls, points]);
    for (const secret of ["s3cret-value", "admin-t0ken"]) expect(all).not.toContain(secret);
  });

  it("stays quiet for allowed requests but still counts them; works without the binding", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const { env, points } = fakeEnv();
    const allow: Decision = { action: "allow", cause: "none", reasons: [], until: null, retryAfterMs: 0, limits: [] };
    logVerdict(env, cfg, { now: T0, account: "b".repeat(32), path: "/v1/messages", decision: allow, failed: false });
    expect(log).not.toHaveBeenCalled();
    expect(points.length).toBe(1);
    logVerdict({} as Env, cfg, { now: T0, account: "b".repeat(32), path: "/v1/messages", decision: block, failed: false });
    expect(log).toHaveBeenCalledTimes(1);
  });

  it("never logs the API key, the prompt or the operator token of a real refused request", async () => {
    const log = vi.spyOn(console, "log");
    const key = freshKey("telemetry");
    const prompt = "Secret-prompt-text that must never be logged";
    for (let i = 0; i < 130; i++) await (await send("/v1/chat/completions", chat(`${prompt} ${i}`), { key, time: T0 + i })).arrayBuffer();
    const lines = log.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('"event":"verdict"'));
    expect(lines.length).toBeGreaterThan(0);
    const all = lines.join("\n");
    expect(all).not.toContain(key);
    expect(all).not.toContain("Secret-prompt-text");
    expect(all).not.toContain("test-admin-token");
  });
});
