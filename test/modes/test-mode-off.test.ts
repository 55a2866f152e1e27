/**
 * Test-mode headers are ignored unless GUARD_TEST_MODE is "true", here in a
 * development deployment with an operator token and test mode simply not set: a client cannot move
 * the guard's clock, choose its TLS fingerprint or ASN, or read the debug header, and the operator
 * API's "now" is the wall clock.
 */
import { describe, expect, it } from "vitest";
import { chat, freshKey, operator, send } from "../support/client";

interface State {
  requests: number;
  firstSeen: number;
  lastSeen: number;
  fingerprints: string[];
  distinct: { prompts: number };
}

async function lookup(key: string, init: { time?: number } = {}): Promise<State> {
  const res = await operator("/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key }), ...init });
  expect(res.status).toBe(200);
  return (await res.json()) as State;
}

describe("test mode off", () => {
  it("ignores malformed test headers instead of answering 400, and sends no debug header", async () => {
    const res = await send("/v1/chat/completions", chat("hi"), { key: freshKey("off"), headers: { "x-guard-test-time": "not-a-time", "x-guard-test-asn": "AS-nope", "x-guard-test-ja4": "" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-guard-debug")).toBeNull();
    await res.arrayBuffer();
  });

  it("keeps the wall clock: x-guard-test-time does not move a request's time", async () => {
    const key = freshKey("clock");
    const before = Date.now();
    await (await send("/v1/chat/completions", chat("what time is it"), { key, time: 1_000 })).arrayBuffer();
    const state = await lookup(key);
    expect(state.firstSeen).toBeGreaterThanOrEqual(before - 1000);
    expect(state.firstSeen).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("ignores x-guard-test-ja4 and x-guard-test-asn: the fingerprints stay those of the real connection", async () => {
    const key = freshKey("fp");
    for (let i = 0; i < 4; i++) {
      await (await send("/v1/chat/completions", chat(`question ${i}`), { key, ja4: `t13d_forged_${i}`, asn: 64500 + i, ua: "same-client/1.0", ip: "198.51.100.20" })).arrayBuffer();
    }
    const state = await lookup(key);
    expect(state.requests).toBe(4);
    // In test mode four forged ja4/asn pairs would make four stack and four network fingerprints.
    expect(state.fingerprints.length).toBeLessThanOrEqual(2);
  });

  it("reads the operator API at the wall clock, not at x-guard-test-time", async () => {
    const key = freshKey("op-clock");
    await (await send("/v1/chat/completions", chat("remember me"), { key })).arrayBuffer();
    // A year ahead the detection window would be empty; ignored, the prompt is still counted.
    const state = await lookup(key, { time: Date.now() + 365 * 24 * 3600 * 1000 });
    expect(state.distinct.prompts).toBe(1);
  });
});
