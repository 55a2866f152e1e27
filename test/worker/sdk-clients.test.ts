// Real clients that nobody here wrote, pointed at the guard: if our answers, errors, headers or
// event streams drift from the APIs' shapes, these SDKs notice.
import Anthropic from "@anthropic-ai/sdk";
import { exports } from "cloudflare:workers";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { freshKey, T0 } from "../support/client";

const viaGuard: typeof fetch = (input, init) => exports.default.fetch(input as RequestInfo, init);
const testClock = (t: number) => ({ "x-guard-test-time": String(t) });

describe("the openai SDK through the guard", () => {
  it("gets a chat completion, a streamed one, and surfaces a 429 as RateLimitError", async () => {
    const client = new OpenAI({ apiKey: freshKey("openai"), baseURL: "http://guard.test/v1", fetch: viaGuard, maxRetries: 0, defaultHeaders: testClock(T0) });
    const done = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "Hello" }] });
    expect(done.choices[0]!.message.role).toBe("assistant");
    expect(typeof done.choices[0]!.message.content).toBe("string");

    const stream = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "Stream it" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text.length).toBeGreaterThan(0);

    let caught: unknown;
    for (let i = 0; i < 120 && !caught; i++) {
      try {
        await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: `same-minute question ${i}` }] });
      } catch (err) {
        caught = err;
      }
    }
    expect(caught).toBeInstanceOf(OpenAI.RateLimitError);
    const err = caught as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err.status).toBe(429);
    expect(err.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(err.headers.get("ratelimit")).toContain('"requests"');
  });

  it("uses the Responses API", async () => {
    const client = new OpenAI({ apiKey: freshKey("responses"), baseURL: "http://guard.test/v1", fetch: viaGuard, maxRetries: 0 });
    const res = await client.responses.create({ model: "m", input: "Say hi", instructions: "Be brief" });
    expect(res.output_text.length).toBeGreaterThan(0);
  });

  it("surfaces a malformed key as AuthenticationError", async () => {
    const client = new OpenAI({ apiKey: "not a key", baseURL: "http://guard.test/v1", fetch: viaGuard, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe("the Anthropic SDK through the guard", () => {
  it("gets a message, a streamed one, and surfaces a 429 as RateLimitError", async () => {
    const client = new Anthropic({ apiKey: freshKey("anthropic"), baseURL: "http://guard.test", fetch: viaGuard, maxRetries: 0, defaultHeaders: testClock(T0) });
    const msg = await client.messages.create({ model: "m", max_tokens: 64, messages: [{ role: "user", content: "Hello" }] });
    expect(msg.content[0]!.type).toBe("text");

    const final = await client.messages.stream({ model: "m", max_tokens: 64, messages: [{ role: "user", content: "Stream" }] }).finalMessage();
    expect(final.content.length).toBeGreaterThan(0);

    let caught: unknown;
    for (let i = 0; i < 120 && !caught; i++) {
      try {
        await client.messages.create({ model: "m", max_tokens: 16, messages: [{ role: "user", content: `question ${i}` }] });
      } catch (err) {
        caught = err;
      }
    }
    expect(caught).toBeInstanceOf(Anthropic.RateLimitError);
    expect((caught as InstanceType<typeof Anthropic.RateLimitError>).status).toBe(429);
    expect((caught as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
  });
});
