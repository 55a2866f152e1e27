/**
 * People using today's SDK defaults are served: large max_tokens, single-shot questions at human
 * pace, and thousands of strangers on one SDK version. These are the cases the first policy refused.
 */
import { describe, expect, it } from "vitest";
import { chat, freshKey, messages, send, T0 } from "../support/client";
import { EVERYDAY } from "../support/prompts";

const MINUTE = 60_000;
/** One SDK version: every user of it shares this TLS stack and user agent. */
const AI_SDK = { ja4: "t13d1516h2_8daaf6152771_e5627efa2ab1", ua: "ai-sdk/anthropic/2.0.17 ai/5.0.44" };

async function statuses(reqs: { path: string; body: unknown; key: string; time: number; ip: string; asn: number; ua?: string; ja4?: string }[]): Promise<number[]> {
  const out: number[] = [];
  for (const q of reqs) {
    const res = await send(q.path, q.body, { key: q.key, time: q.time, ip: q.ip, asn: q.asn, ua: q.ua, ja4: q.ja4 });
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

describe("people with today's SDK defaults are served", () => {
  it("40 everyday questions over two days through Messages with max_tokens 64000", async () => {
    const key = freshKey("ai-sdk-person");
    const qs = EVERYDAY.slice(0, 40).map((q, i) => ({
      path: "/v1/messages",
      body: messages(q, { max_tokens: 64000 }),
      key,
      // Two days, in bursts of a few questions minutes apart.
      time: T0 + Math.floor(i / 4) * 4 * 60 * MINUTE + (i % 4) * 3 * MINUTE,
      ip: "198.51.100.44",
      asn: 7922,
      ...AI_SDK,
    }));
    expect(await statuses(qs)).toEqual(qs.map(() => 200));
  });

  it("30 short factual questions through Chat Completions with max_tokens 32768", async () => {
    const key = freshKey("openai-person");
    const qs = EVERYDAY.slice(10, 40).map((q, i) => ({
      path: "/v1/chat/completions",
      body: chat(q, { max_tokens: 32768 }),
      key,
      time: T0 + i * 7 * MINUTE,
      ip: "203.0.113.77",
      asn: 3320,
      ua: "OpenAI/Python 1.99.1",
    }));
    expect(await statuses(qs)).toEqual(qs.map(() => 200));
  });

  it("12 people on one SDK version, 8 questions each from their own networks", async () => {
    const reqs = [];
    for (let p = 0; p < 12; p++) {
      const key = freshKey(`crowd-${p}`);
      for (let j = 0; j < 8; j++) {
        const q = EVERYDAY[(p * 8 + j) % EVERYDAY.length]!;
        reqs.push({
          path: "/v1/messages",
          body: messages(`${q}${p >= 6 ? " Thanks!" : ""}`, { max_tokens: 64000 }),
          key,
          time: T0 + p * 3 * MINUTE + j * 20 * MINUTE,
          ip: `198.51.${p}.20`,
          asn: 7000 + p,
          ...AI_SDK,
        });
      }
    }
    reqs.sort((a, b) => a.time - b.time);
    const got = await statuses(reqs);
    expect(got.filter((s) => s !== 200)).toEqual([]);
  });
});
