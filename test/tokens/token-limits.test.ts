/**
 * With a small token quota (20k tokens an hour, vitest.config.ts "workerd-tokens"): an account whose
 * answers are long is refused for tokens within the period, JSON and streamed, in both API formats,
 * while one with short answers is not; an app's end users each get a share of its key's quota.
 * Long answers come from the mock upstream (`x-guard-test-answer-words`, test mode only).
 */
import { describe, expect, it } from "vitest";
import { chat, freshKey, messages, send, T0 } from "../support/client";

const WORDS = "x-guard-test-answer-words";

interface Sent {
  status: number;
  headers: Headers;
  text: string;
}

async function ask(path: string, body: unknown, key: string, time: number, words?: number): Promise<Sent> {
  const res = await send(path, body, { key, time, headers: words ? { [WORDS]: String(words) } : {} });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Sends `body` until refused (at most `max` times), a second apart; returns every answer. */
async function until429(path: string, body: unknown, key: string, max: number, words?: number): Promise<Sent[]> {
  const out: Sent[] = [];
  for (let i = 0; i < max; i++) {
    const r = await ask(path, body, key, T0 + i * 1000, words);
    out.push(r);
    if (r.status !== 200) break;
  }
  return out;
}

function debug(s: Sent): { cause: string; reasons: string[] } {
  return JSON.parse(s.headers.get("x-guard-debug") ?? "{}");
}

/** A classic-limit refusal: 429 with Retry-After, meant to be retried (no x-should-retry: false). */
function expectRetryable429(s: Sent, reason: string): void {
  expect(s.status).toBe(429);
  expect(debug(s)).toMatchObject({ cause: "rate", reasons: [reason] });
  expect(Number(s.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(s.headers.get("x-should-retry")).toBeNull();
}

const STORY = "Tell me a long story";
const CASES: [string, string, unknown][] = [
  ["OpenAI chat, JSON", "/v1/chat/completions", chat(STORY, { max_tokens: 64000 })],
  ["OpenAI chat, streamed", "/v1/chat/completions", chat(STORY, { max_tokens: 64000, stream: true, stream_options: { include_usage: true } })],
  ["Anthropic messages, JSON", "/v1/messages", messages(STORY, { max_tokens: 64000 })],
  ["Anthropic messages, streamed", "/v1/messages", messages(STORY, { max_tokens: 64000, stream: true })],
  ["OpenAI Responses, streamed", "/v1/responses", { model: "m", input: STORY, max_output_tokens: 64000, stream: true }],
];

describe("long answers run an account out of tokens within the period", () => {
  it.each(CASES)("%s", async (_, path, body) => {
    // 3000-token answers: 20k tokens last six or seven of them (an answer still passing may let one more in)
    const long = await until429(path, body, freshKey("long"), 12, 3000);
    expect(long.length).toBeGreaterThanOrEqual(7);
    expect(long.length).toBeLessThanOrEqual(9);
    expectRetryable429(long.at(-1)!, "token rate limit");
    // the same requests with the mock's one-sentence answers are all served
    const short = await until429(path, body, freshKey("short"), 12);
    expect(short.every((s) => s.status === 200)).toBe(true);
  });

  it("refuses in each API's own error shape", async () => {
    const openai = (await until429("/v1/chat/completions", chat(STORY), freshKey("shape-o"), 12, 5000)).at(-1)!;
    expect(JSON.parse(openai.text)).toMatchObject({ error: { type: "rate_limit_error", code: "rate_limit_exceeded" } });
    const anthropic = (await until429("/v1/messages", messages(STORY, { max_tokens: 64000 }), freshKey("shape-a"), 12, 5000)).at(-1)!;
    expect(JSON.parse(anthropic.text)).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
  });
});

describe("end-user shares of an app key's quota", () => {
  it.each([
    ["OpenAI safety_identifier", "/v1/chat/completions", (u: string) => chat(STORY, { safety_identifier: u })],
    ["OpenAI user", "/v1/chat/completions", (u: string) => chat(STORY, { user: u, stream: true, stream_options: { include_usage: true } })],
    ["Anthropic metadata.user_id", "/v1/messages", (u: string) => messages(STORY, { max_tokens: 64000, metadata: { user_id: u } })],
  ])("one end user is refused past its token share (%s) while another on the same key is served", async (_, path, body) => {
    const key = freshKey("app");
    // a quarter of 20k tokens: two 2000-token answers, and a third that the prompt no longer fits
    const alice = await until429(path, body("alice"), key, 8, 2000);
    expect(alice.length).toBeGreaterThanOrEqual(3);
    expect(alice.length).toBeLessThanOrEqual(4);
    expectRetryable429(alice.at(-1)!, "end-user token rate limit");
    expect(alice[0]!.headers.get("RateLimit-Policy")).toBe('"requests";q=60;w=3600, "tokens";q=20000;w=3600, "end-user-requests";q=30;w=3600, "end-user-tokens";q=5000;w=3600');
    const bob = await ask(path, body("bob"), key, T0 + 10_000, 2000);
    expect(bob.status).toBe(200);
    // requests without an end-user id are limited by the account alone
    expect((await ask(path, body(""), key, T0 + 11_000)).status).toBe(200);
  });

  it("one end user is refused past its request share while another on the same key is served", async () => {
    const key = freshKey("app-requests");
    const carol = await until429("/v1/chat/completions", chat("hi", { user: "carol" }), key, 40);
    expect(carol.length).toBe(31);
    expectRetryable429(carol.at(-1)!, "end-user request rate limit");
    expect((await ask("/v1/chat/completions", chat("hi", { user: "dave" }), key, T0 + 50_000)).status).toBe(200);
  });
});
