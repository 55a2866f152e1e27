/**
 * An upstream that fails or stalls, against a real local server (globalSetup
 * test/faults/upstream-server.ts) with UPSTREAM_TIMEOUT_MS=1000: a stall is a 504 within the
 * timeout, a dropped connection a 502, both in the calling API's error shape and logged; an
 * upstream's own error passes through unchanged.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { chat, freshKey, messages, send } from "../support/client";

const TIMEOUT = Number((env as unknown as Record<string, string>).UPSTREAM_TIMEOUT_MS);
const lines: string[] = [];

beforeEach(() => {
  lines.length = 0;
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
});
afterEach(() => vi.restoreAllMocks());

describe("upstream failures", () => {
  it("a stalled upstream (never answers headers) is a 504 in OpenAI's shape within UPSTREAM_TIMEOUT_MS", async () => {
    const t0 = Date.now();
    const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("stall"), headers: { "x-test-upstream": "stall" } });
    const elapsed = Date.now() - t0;
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ error: { type: "api_error", code: "upstream_timeout" } });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 5);
    expect(elapsed).toBeLessThan(TIMEOUT + 1500);
    expect(lines.some((l) => l.includes('"upstream_timeout"'))).toBe(true);
  });

  it("a stalled upstream on /v1/messages is a 504 in Anthropic's shape", async () => {
    const res = await send("/v1/messages", messages("hello"), { key: freshKey("stall-a"), headers: { "x-test-upstream": "stall" } });
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "api_error" } });
  });

  it("a stalled upstream on a pass-through path is a 504 too", async () => {
    const res = await send("/v1/models", null, { key: freshKey("stall-o"), method: "GET", headers: { "x-test-upstream": "stall" } });
    expect(res.status).toBe(504);
  });

  it("a dropped connection is a 502 in the API's shape, logged", async () => {
    const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("reset"), headers: { "x-test-upstream": "reset" } });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { type: "api_error", code: "upstream_error" } });
    expect(lines.some((l) => l.includes('"upstream_error"'))).toBe(true);
  });

  it("the upstream's own error passes through unchanged", async () => {
    const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("u500"), headers: { "x-test-upstream": "500" } });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-upstream")).toBe("test");
    expect(await res.json()).toEqual({ error: { message: "upstream broke", type: "server_error" } });
  });

  it("a healthy upstream is reached with the guard's RateLimit headers added", async () => {
    const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("ok") });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-upstream")).toBe("test");
    expect(res.headers.get("RateLimit-Policy")).toBeTruthy();
  });
});

// The runtime's fetch asks for gzip when no Accept-Encoding is set and hands the answer back with its
// Content-Encoding, which the runtime then re-applies on the way out: a client that never asked got gzip.
describe("content encoding", () => {
  it("asks the upstream for identity when the client sent no Accept-Encoding, and answers uncompressed", async () => {
    const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("ae-none") });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-upstream-accept-encoding")).toBe("identity");
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(await res.json()).toMatchObject({ object: "chat.completion" });
  });

  it("forwards the client's own Accept-Encoding", async () => {
    const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("ae-br"), headers: { "accept-encoding": "br;q=1, gzip;q=0.5" } });
    expect(res.headers.get("x-upstream-accept-encoding")).toBe("br;q=1, gzip;q=0.5");
    await res.text();
  });

  it("decodes an upstream that compresses anyway before answering a client that did not accept it", async () => {
    for (const accept of [undefined, "identity", "gzip;q=0, br"]) {
      const headers: Record<string, string> = { "x-test-upstream": "gzip", ...(accept ? { "accept-encoding": accept } : {}) };
      const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("ae-forced"), headers });
      expect(res.status, String(accept)).toBe(200);
      expect(res.headers.get("content-encoding"), String(accept)).toBeNull();
      expect(await res.json()).toMatchObject({ object: "chat.completion" });
    }
  });

  it("keeps a compressed answer for a client that accepts its coding", async () => {
    const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("ae-gzip"), headers: { "x-test-upstream": "gzip", "accept-encoding": "gzip" } });
    expect(res.headers.get("x-upstream-accept-encoding")).toBe("gzip");
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(await res.json()).toMatchObject({ object: "chat.completion" });
  });
});
