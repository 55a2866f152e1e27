/**
 * Completion tokens at the default limits: an answer's reported usage is charged to its account
 * after it has passed, in JSON and streamed answers of every format; a stream is not held back; a
 * client that leaves mid-stream is still charged; SDK-default max_tokens never refuses anyone.
 * Long answers come from the mock upstream (`x-guard-test-answer-words`, test mode only).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { testHeaders } from "../../tools/test-headers";
import worker from "../../worker/index";
import { chat, freshKey, messages, operator, send, T0 } from "../support/client";
import { EVERYDAY } from "../support/prompts";

const WORDS = "x-guard-test-answer-words";

interface Limit {
  name: string;
  quota: number;
  remaining: number;
}

async function tokensLeft(key: string, time: number): Promise<{ left: number; quota: number }> {
  const res = await operator("/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key }), time });
  expect(res.status).toBe(200);
  const tokens = ((await res.json()) as { limits: Limit[] }).limits.find((l) => l.name === "tokens")!;
  return { left: tokens.remaining, quota: tokens.quota };
}

/** The settlement is sent after the answer: waits until the account's tokens drop below `below`. */
async function settledBelow(key: string, time: number, below: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const { left } = await tokensLeft(key, time);
    if (left < below) return left;
    await new Promise((r) => setTimeout(r, 20));
  }
  return (await tokensLeft(key, time)).left;
}

const CASES: [string, string, Record<string, unknown>][] = [
  ["OpenAI chat, JSON", "/v1/chat/completions", chat("Tell me a long story", { max_tokens: 64000 })],
  ["OpenAI chat, streamed with include_usage", "/v1/chat/completions", chat("Tell me a long story", { max_tokens: 64000, stream: true, stream_options: { include_usage: true } })],
  ["Anthropic messages, JSON", "/v1/messages", messages("Tell me a long story", { max_tokens: 64000 })],
  ["Anthropic messages, streamed", "/v1/messages", messages("Tell me a long story", { max_tokens: 64000, stream: true })],
  ["OpenAI Responses, JSON", "/v1/responses", { model: "m", input: "Tell me a long story", max_output_tokens: 64000 }],
  ["OpenAI Responses, streamed", "/v1/responses", { model: "m", input: "Tell me a long story", max_output_tokens: 64000, stream: true }],
];

describe("completion tokens are charged after the answer", () => {
  it.each(CASES)("%s: the reported completion tokens come off the account's token quota", async (_, path, body) => {
    const key = freshKey("settle");
    const res = await send(path, body, { key, time: T0, headers: { [WORDS]: "12345" } });
    expect(res.status).toBe(200);
    const afterPrompt = Number(/"tokens";r=(\d+)/.exec(res.headers.get("RateLimit") ?? "")?.[1]);
    await res.text();
    const left = await settledBelow(key, T0, afterPrompt);
    // exactly the upstream's usage: the prompt was charged at admission, the completion after
    expect(afterPrompt - left).toBe(12345);
  });

  it("an answer's RateLimit header shows what is left after the prompt's charge", async () => {
    const key = freshKey("header");
    const res = await send("/v1/chat/completions", chat("Tell me a long story"), { key, time: T0, headers: { [WORDS]: "5000" } });
    const { quota } = await tokensLeft(key, T0);
    expect(res.headers.get("RateLimit")).toContain(`"tokens";r=${quota - Math.ceil("Tell me a long story".length / 4)};`);
    await res.text();
  });

  it("charges a chat stream that reports no usage from the text it carried", async () => {
    const key = freshKey("estimate");
    const res = await send("/v1/chat/completions", chat("Tell me a long story", { stream: true }), { key, time: T0, headers: { [WORDS]: "4000" } });
    const afterPrompt = Number(/"tokens";r=(\d+)/.exec(res.headers.get("RateLimit") ?? "")?.[1]);
    const text = await res.text();
    expect(text).not.toContain('"usage"');
    const charged = afterPrompt - (await settledBelow(key, T0, afterPrompt));
    // about four characters a token: 4000 words of about five characters and a space each
    expect(charged).toBeGreaterThan(4000);
    expect(charged).toBeLessThan(8000);
  });
});

describe("streams pass through as they come", () => {
  it.each([
    ["OpenAI chat", "/v1/chat/completions", chat("Stream please", { stream: true, stream_options: { include_usage: true } }), "[DONE]"],
    ["Anthropic messages", "/v1/messages", messages("Stream please", { stream: true, max_tokens: 64000 }), "message_stop"],
  ])("%s: the first chunk reaches the client before the upstream's last event", async (_, path, body, last) => {
    const res = await send(path, body, { key: freshKey("pass"), time: T0, headers: { [WORDS]: "3000" } });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const first = decoder.decode((await reader.read()).value);
    expect(first).not.toContain(last);
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
    }
    expect(rest).toContain(last);
  });

  it("a client that leaves mid-stream is still charged for what it was sent", async () => {
    // Called as the runtime calls it, so the client's cancel reaches the Worker's stream as a
    // disconnect does, and the settlement sent with waitUntil can be awaited.
    const key = freshKey("gone");
    const ctx = createExecutionContext();
    const headers = { "content-type": "application/json", [WORDS]: "32000", ...testHeaders({ key, time: T0 }) };
    const body = JSON.stringify(messages("Tell me a long story", { stream: true, max_tokens: 64000 }));
    // the edge's request type: the fetch handler reads `request.cf`, which this test leaves empty
    const request = new Request("http://guard.test/v1/messages", { method: "POST", headers, body }) as Request<unknown, IncomingRequestCfProperties>;
    const res = await worker.fetch(request, env, ctx);
    const afterPrompt = Number(/"tokens";r=(\d+)/.exec(res.headers.get("RateLimit") ?? "")?.[1]);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    // until a whole text delta (a piece of 1000 words) has arrived
    while (!/text_delta[^\n]*\n\n/.test(seen)) seen += decoder.decode((await reader.read()).value, { stream: true });
    await reader.cancel();
    await waitOnExecutionContext(ctx);
    const charged = afterPrompt - (await tokensLeft(key, T0)).left;
    // estimated from the text that passed (1000 words or more), far from the whole answer's 32000
    expect(charged).toBeGreaterThan(1000);
    expect(charged).toBeLessThan(16000);
  });
});

describe("SDK defaults are never refused", () => {
  it("serves single-shot requests with max_tokens 64000 at the default limits, in both formats", async () => {
    const key = freshKey("sdk-default");
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) {
      const question = EVERYDAY[i % EVERYDAY.length]!;
      const body = i % 2 === 0 ? chat(question, { max_tokens: 64000 }) : messages(question, { max_tokens: 64000 });
      const res = await send(i % 2 === 0 ? "/v1/chat/completions" : "/v1/messages", body, { key, time: T0 + i * 30_000 });
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});
