/**
 * A swarm: many new keys, each far under the account gate, each on a common SDK stack and its own
 * home address, sweeping a dataset's instruction frames. The frame's object judges the frame once
 * enough new keys carry it; the Worker reads that verdict beside the account's and refuses the
 * swarm's later requests, while people on the same SDK stacks are served.
 */
import { describe, expect, it } from "vitest";
import { freshKey, messages, send, T0 } from "../support/client";
import { EVERYDAY } from "../support/prompts";

const MINUTE = 60_000;
const STACKS = [
  { ja4: "t13d1516h2_8daaf6152771_e5627efa2ab1", ua: "ai-sdk/anthropic/2.0.17 ai/5.0.44" },
  { ja4: "t13d1812h2_85036bcba153_b0e7e7f4ec5f", ua: "Anthropic/Python 0.60.0" },
];
const WORDS =
  "river market planet signal engine garden castle winter copper forest harbor violin lantern meadow rocket silver thunder canyon pepper marble orchard pilot ember falcon glacier velvet timber cobalt saddle quartz".split(
    " ",
  );

/** A passage of `n` words, distinct for every (seed, n). */
function passage(seed: number, n: number): string {
  const out: string[] = [];
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + i) | 0;
    out.push(WORDS[(x >>> 0) % WORDS.length]!);
  }
  return `${out.join(" ")}.`;
}

const DATASET = [
  (s: number) => `Read the following passage and answer the question that follows.\n\n${passage(s, 40)}\n\nQuestion: what happened next?`,
  (s: number) => `${passage(s, 30)}\n\nGiven the paragraph above, write a short title that captures its main idea.`,
  (s: number) => `Is the sentiment of the following product review positive or negative?\n\n${passage(s, 35)}`,
];

interface Req {
  who: string;
  key: string;
  time: number;
  text: string;
  ip: string;
  asn: number;
  stack: (typeof STACKS)[number];
}

describe("swarms are refused on their shared frames; people on the same stacks are not", () => {
  it("30 keys of 6 requests each, none reaching the account gate, against 12 people", async () => {
    const reqs: Req[] = [];
    for (let k = 0; k < 30; k++) {
      const key = freshKey(`swarm-${k}`);
      for (let i = 0; i < 6; i++) {
        const seed = k * 100 + i;
        reqs.push({ who: `swarm-${k}`, key, time: T0 + k * 7 * MINUTE + i * 25 * MINUTE, text: DATASET[(k + i) % DATASET.length]!(seed), ip: `203.0.${k}.9`, asn: 9000 + k, stack: STACKS[k % 2]! });
      }
    }
    for (let p = 0; p < 12; p++) {
      const key = freshKey(`person-${p}`);
      for (let j = 0; j < 8; j++) {
        // Everyday questions, and now and then a long text pasted in words of one's own.
        const text = j === 3 ? `${EVERYDAY[p]!} Here is what I wrote so far: ${passage(50_000 + p, 30)}` : EVERYDAY[(p * 8 + j) % EVERYDAY.length]!;
        reqs.push({ who: `person-${p}`, key, time: T0 + p * 11 * MINUTE + j * 30 * MINUTE, text, ip: `198.51.${p}.20`, asn: 7000 + p, stack: STACKS[p % 2]! });
      }
    }
    reqs.sort((a, b) => a.time - b.time);
    const refused = new Map<string, number>();
    const reasons = new Set<string>();
    for (const q of reqs) {
      const res = await send("/v1/messages", messages(q.text, { max_tokens: 64000 }), { key: q.key, time: q.time, ip: q.ip, asn: q.asn, ua: q.stack.ua, ja4: q.stack.ja4 });
      const debug = res.headers.get("x-guard-debug");
      await res.arrayBuffer();
      if (res.status !== 200) {
        refused.set(q.who, (refused.get(q.who) ?? 0) + 1);
        for (const r of (JSON.parse(debug ?? "{}") as { reasons?: string[] }).reasons ?? []) reasons.add(r);
      }
    }
    const people = [...refused.keys()].filter((w) => w.startsWith("person"));
    expect(people).toEqual([]);
    const swarmKeys = [...refused.keys()].filter((w) => w.startsWith("swarm"));
    // Every key arriving after the frames were judged is refused; only the first few carried them unjudged.
    expect(swarmKeys.length).toBeGreaterThanOrEqual(24);
    const refusedRequests = swarmKeys.reduce((n, w) => n + refused.get(w)!, 0);
    expect(refusedRequests / (30 * 6)).toBeGreaterThanOrEqual(0.7);
    expect([...reasons].some((r) => /new accounts sent \d+ distinct single-shot inputs inside one instruction frame/.test(r))).toBe(true);
  });
});

describe("a blocked frame blocks the keys that swept it before its verdict", () => {
  it("the first keys of a swarm are refused on their next request, whatever it asks; a person is not", async () => {
    const sweep = DATASET[0]!;
    const keys = Array.from({ length: 12 }, (_, k) => freshKey(`cohort-${k}`));
    const person = freshKey("cohort-person");
    let time = T0 + 10 * 24 * 60 * MINUTE;
    const at = (k: number) => ({ ip: `192.0.2.${k + 1}`, asn: 6400 + k, ua: STACKS[k % 2]!.ua, ja4: STACKS[k % 2]!.ja4 });
    const first: number[] = [];
    for (const [k, key] of keys.entries()) {
      time += 3 * MINUTE;
      const res = await send("/v1/messages", messages(sweep(900_000 + k), { max_tokens: 64000 }), { key, time, ...at(k) });
      await res.arrayBuffer();
      first.push(res.status);
    }
    // The frame's verdict and the cohort's adoption run after the answers (waitUntil).
    await new Promise((r) => setTimeout(r, 300));
    expect(first.slice(0, 4).every((s) => s === 200)).toBe(true);
    time += 30 * MINUTE;
    const early = await send("/v1/messages", messages(EVERYDAY[5]!, { max_tokens: 64000 }), { key: keys[0]!, time, ...at(0) });
    await early.arrayBuffer();
    expect(early.status).toBe(403);
    expect(early.headers.get("x-guard-debug") ?? "").toMatch(/instruction frame/);
    const served = await send("/v1/messages", messages(EVERYDAY[5]!, { max_tokens: 64000 }), { key: person, time, ...at(1) });
    await served.arrayBuffer();
    expect(served.status).toBe(200);
  });
});
