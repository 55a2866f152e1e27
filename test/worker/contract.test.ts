import { describe, expect, it } from "vitest";
import { chat, freshKey, messages, send, T0 } from "../support/client";

async function errorBody(res: Response) {
  return (await res.json()) as { error: { type: string; code?: string; message: string }; type?: string };
}

describe("allowed requests", () => {
  it("serves an OpenAI chat request from the mock upstream with RateLimit headers", async () => {
    const res = await send("/v1/chat/completions", chat("Hello there"), { key: freshKey("ok"), time: T0 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; choices: unknown[] };
    expect(body.object).toBe("chat.completion");
    expect(res.headers.get("RateLimit-Policy")).toMatch(/^"requests";q=\d+;w=\d+, "tokens";q=\d+;w=\d+$/);
    expect(res.headers.get("RateLimit")).toMatch(/^"requests";r=\d+;t=\d+, "tokens";r=\d+;t=\d+$/);
  });

  it("serves an Anthropic messages request in Anthropic's format", async () => {
    const res = await send("/v1/messages", messages("Hello"), { key: freshKey("ant"), headers: { "x-api-key": "ignored-when-bearer" } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { type: string; content: { type: string }[] };
    expect(body.type).toBe("message");
    expect(body.content[0]!.type).toBe("text");
  });

  it("accepts the key from x-api-key", async () => {
    const res = await send("/v1/messages", messages("Hi"), { key: null, headers: { "x-api-key": freshKey("xapi") } });
    expect(res.status).toBe(200);
  });

  it("streams server-sent events through", async () => {
    const res = await send("/v1/chat/completions", chat("Stream please", { stream: true }), { key: freshKey("sse") });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    expect(text).toContain("data: ");
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
  });

  it("serves the legacy completions and responses formats", async () => {
    const key = freshKey("fmt");
    expect((await send("/v1/completions", { model: "m", prompt: "Say hi" }, { key })).status).toBe(200);
    expect((await send("/v1/responses", { model: "m", input: "Say hi", instructions: "Be brief" }, { key })).status).toBe(200);
  });
});

describe("refusals in the API's own shape", () => {
  it("401 without a key, OpenAI shape on OpenAI paths", async () => {
    const res = await send("/v1/chat/completions", chat("x"), { key: null });
    expect(res.status).toBe(401);
    expect((await errorBody(res)).error.type).toBe("authentication_error");
  });

  it("401 without a key, Anthropic shape on /v1/messages", async () => {
    const res = await send("/v1/messages", messages("x"), { key: null });
    expect(res.status).toBe(401);
    const body = await errorBody(res);
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("authentication_error");
  });

  it("401 for a malformed key", async () => {
    const res = await send("/v1/chat/completions", chat("x"), { key: null, headers: { authorization: "Bearer two words" } });
    expect(res.status).toBe(401);
  });

  it("400 for unparseable JSON", async () => {
    const res = await send("/v1/chat/completions", null, { key: freshKey("json"), rawBody: "{not json" });
    expect(res.status).toBe(400);
    const body = await errorBody(res);
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.code).toBe("invalid_json");
  });

  it("400 for invalid UTF-8", async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const res = await send("/v1/chat/completions", null, { key: freshKey("utf8"), rawBody: bytes });
    expect(res.status).toBe(400);
  });

  it("400 for an empty body and for a body of the wrong shape", async () => {
    const key = freshKey("shape");
    expect((await send("/v1/chat/completions", null, { key, rawBody: "" })).status).toBe(400);
    expect((await send("/v1/chat/completions", { messages: "nope" }, { key })).status).toBe(400);
  });

  it("415 for a wrong content type", async () => {
    const res = await send("/v1/messages", messages("x"), { key: freshKey("ct"), headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(415);
    expect((await errorBody(res)).error.type).toBe("invalid_request_error");
  });

  it("413 for a body over the limit", async () => {
    const big = "a".repeat(2 * 1024 * 1024 + 10);
    const res = await send("/v1/chat/completions", chat(big), { key: freshKey("big") });
    expect(res.status).toBe(413);
  });

  it("405 for another method on an inspected path", async () => {
    const res = await send("/v1/chat/completions", null, { key: freshKey("get"), method: "GET" });
    expect(res.status).toBe(405);
  });

  it("400 for a malformed test time", async () => {
    const res = await send("/v1/chat/completions", chat("x"), { key: freshKey("tt"), headers: { "x-guard-test-time": "yesterday" } });
    expect(res.status).toBe(400);
  });

  it("forwards other paths (the mock answers 404 in the OpenAI shape) and still wants a key", async () => {
    const ok = await send("/v1/models", null, { key: freshKey("models"), method: "GET" });
    expect(ok.status).toBe(200);
    const unknown = await send("/v1/unknown", null, { key: freshKey("unknown"), method: "GET" });
    expect(unknown.status).toBe(404);
    expect((await errorBody(unknown)).error).toBeDefined();
    const nokey = await send("/v1/models", null, { key: null, method: "GET" });
    expect(nokey.status).toBe(401);
  });
});

describe("classic limits", () => {
  it("throttles with 429, Retry-After and RateLimit once the request quota is spent", async () => {
    const key = freshKey("rate");
    let last: Response | undefined;
    for (let i = 0; i < 101; i++) {
      last = await send("/v1/chat/completions", chat(`question number ${i}`), { key, time: T0 });
      if (last.status !== 200) break;
      await last.arrayBuffer();
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(last!.headers.get("RateLimit")).toContain('"requests";r=0');
    const body = await errorBody(last!);
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.message).not.toMatch(/\d{2,}/);
    // The quota refills with time: a minute later the account is served again.
    const later = await send("/v1/chat/completions", chat("after the wait"), { key, time: T0 + 61_000 });
    expect(later.status).toBe(200);
  });
});
