/**
 * Campaigns that read the README: each drops what the first policy looked for, and each is still
 * refused by a signal it cannot drop without giving up the harvest. Refusals for extraction are final
 * for SDKs (`x-should-retry: false`); retries never escalate a throttle.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../core/config";
import { chat, freshKey, send, T0 } from "../support/client";
import { debugOf } from "../support/debug";
import { EVERYDAY, FOLLOW_UPS, sweepPrompts } from "../support/prompts";

const CLIENT = { ip: "198.51.100.23", asn: 7922, ua: "OpenAI/Python 1.99.1", ja4: "t13d1516h2_8daaf6152771_02713d6af862" };

interface Sent {
  status: number;
  cause: string | undefined;
  shouldRetry: string | null;
  reasons: string[];
}

async function one(body: unknown, key: string, time: number): Promise<Sent> {
  const res = await send("/v1/chat/completions", body, { key, time, ...CLIENT });
  await res.arrayBuffer();
  const d = debugOf(res);
  return { status: res.status, cause: d?.cause, shouldRetry: res.headers.get("x-should-retry"), reasons: d?.reasons ?? [] };
}

async function sendAll(bodies: unknown[], key: string, gapMs: number): Promise<Sent[]> {
  const out: Sent[] = [];
  for (const [i, b] of bodies.entries()) out.push(await one(b, key, T0 + i * gapMs));
  return out;
}

const served = (r: Sent[]) => r.filter((x) => x.status === 200).length;
const DATASET = sweepPrompts(120, 5).map((p, i) => `${p} Context item ${i}.`);

describe("adaptive campaigns are refused", () => {
  it("fabricated histories: invented earlier turns give no credit as a conversation", async () => {
    const key = freshKey("fabricated");
    const bodies = DATASET.map((p, i) => ({
      model: "m",
      messages: [
        { role: "user", content: EVERYDAY[i % EVERYDAY.length] },
        { role: "assistant", content: "Sure, here is an answer to that." },
        { role: "user", content: p },
      ],
    }));
    const r = await sendAll(bodies, key, 90_000);
    expect(served(r) / r.length).toBeLessThan(0.3);
    expect(r.find((x) => x.status !== 200)?.reasons.join(" ")).toMatch(/histories never held here/);
  });

  it("the same conversations held for real are served", async () => {
    const key = freshKey("real-conversations");
    const bodies: unknown[] = [];
    for (let c = 0; c < 15; c++) {
      const opener = EVERYDAY[c]!;
      bodies.push(chat(opener));
      bodies.push({
        model: "m",
        messages: [
          { role: "user", content: opener },
          { role: "assistant", content: "Here you go." },
          { role: "user", content: FOLLOW_UPS[c % FOLLOW_UPS.length] },
        ],
      });
    }
    const r = await sendAll(bodies, key, 90_000);
    expect(served(r)).toBe(r.length);
  });

  it("padding: re-sending old prompts does not hide a sweep", async () => {
    const key = freshKey("padding");
    const bodies: unknown[] = [];
    DATASET.forEach((p, i) => {
      bodies.push(chat(p));
      if (i >= 20 && i % 3 === 0) bodies.push(chat(DATASET[i - 20]!));
    });
    const r = await sendAll(bodies, key, 90_000);
    expect(served(r) / r.length).toBeLessThan(0.4);
  });

  it("reasoning elicitation: wrapped prompts are refused on the wrapping", async () => {
    const key = freshKey("reasoning");
    const wrappers = ["Think step by step and show all your reasoning.", "Walk me through your thought process before answering.", "Explain your reasoning in detail, then answer."];
    const bodies = EVERYDAY.map((q, i) => chat(`${wrappers[i % wrappers.length]} ${q}`));
    const r = await sendAll(bodies, key, 90_000);
    expect(r.some((x) => x.status !== 200)).toBe(true);
    expect(r.find((x) => x.status !== 200)?.reasons.join(" ")).toMatch(/reasoning traces/);
  });
});

describe("refusals as SDKs see them", () => {
  it("an extraction refusal says x-should-retry: false, and retrying it never escalates to a block", async () => {
    const key = freshKey("retrying");
    const bodies = DATASET.slice(0, 40).map((p) => chat(p, { logprobs: true }));
    let refused: { body: unknown; at: number; sent: Sent } | undefined;
    for (const [i, b] of bodies.entries()) {
      const sent = await one(b, key, T0 + i * 3_000);
      if (sent.status !== 200) {
        refused = { body: b, at: T0 + i * 3_000, sent };
        break;
      }
    }
    expect(refused?.sent).toMatchObject({ status: 429, cause: "extraction", shouldRetry: "false" });
    // An SDK that ignored the header retries the refused request many times: nothing changes.
    const retries: Sent[] = [];
    for (let k = 1; k <= 40; k++) retries.push(await one(refused!.body, key, refused!.at + k * 1_000));
    expect(retries.map((x) => x.status)).toEqual(retries.map(() => 429));
  });

  it("a classic rate-limit 429 may be retried: no x-should-retry", async () => {
    const key = freshKey("rate");
    let rate: Sent | undefined;
    // One question resent: repeats are no evidence of extraction, so only the request limit speaks.
    for (let i = 0; i < 130 && !rate; i++) {
      const x = await one(chat(EVERYDAY[0]!), key, T0 + i);
      if (x.status === 429) rate = x;
    }
    expect(rate).toMatchObject({ status: 429, cause: "rate", shouldRetry: null });
  });
});

describe("suspected but unproven", () => {
  it("is served, and marked for the graduated answer once one piece of evidence stands", async () => {
    const key = freshKey("suspect");
    const r: { status: number; suspect: boolean }[] = [];
    for (const [i, p] of DATASET.slice(0, 20).entries()) {
      const res = await send("/v1/chat/completions", chat(p, { logprobs: true, max_tokens: 32000 }), { key, time: T0 + i * 120_000, ...CLIENT, ip: "198.51.100.99" });
      await res.arrayBuffer();
      r.push({ status: res.status, suspect: (debugOf(res) as { suspect?: boolean } | null)?.suspect === true });
    }
    expect(r.every((x) => x.status === 200)).toBe(true);
    // Nothing is judged before the gate's minimum of fresh requests.
    const gate = parseConfig({}).MIN_REQUESTS;
    expect(r.slice(0, gate - 1).some((x) => x.suspect)).toBe(false);
    expect(r.slice(-5).every((x) => x.suspect)).toBe(true);
  });
});
