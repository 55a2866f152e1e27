import { describe, expect, it } from "vitest";
import { chat, freshKey, send, T0 } from "../support/client";
import { debugOf } from "../support/debug";
import { batchTexts, FOLLOW_UPS, hydraBody, sweepPrompts } from "../support/prompts";

const SERVER = { ip: "203.0.113.10", asn: 64501, ja4: "t13d1516h2_8daaf6152771_02713d6af862", ua: "python-requests/2.31.0" };

interface Run {
  served: number;
  firstRefusal: number | null;
  refusedForExtraction: number;
  statuses: number[];
}

async function run(requests: { path?: string; body: unknown; time: number; key: string; client?: Partial<typeof SERVER> }[]): Promise<Run> {
  const r: Run = { served: 0, firstRefusal: null, refusedForExtraction: 0, statuses: [] };
  for (const [i, q] of requests.entries()) {
    const res = await send(q.path ?? "/v1/chat/completions", q.body, { key: q.key, time: q.time, ...SERVER, ...q.client });
    await res.arrayBuffer();
    r.statuses.push(res.status);
    if (res.status === 200) r.served++;
    else {
      r.firstRefusal ??= i;
      if (debugOf(res)?.cause === "extraction") r.refusedForExtraction++;
    }
  }
  return r;
}

describe("extraction is refused, ordinary use is not", () => {
  it("a single key sweeping distinct prompts with harvesting parameters is blocked early", async () => {
    const key = freshKey("sweep");
    const prompts = sweepPrompts(300);
    const r = await run(prompts.map((p, i) => ({ key, time: T0 + i * 5_000, body: chat(p, { max_tokens: 4096, temperature: 0 }) })));
    expect(r.firstRefusal).not.toBeNull();
    expect(r.firstRefusal!).toBeLessThan(60);
    expect(r.statuses).toContain(403);
    expect(r.served / prompts.length).toBeLessThan(0.2);
  });

  it("a chatty user in multi-turn conversations is never refused", async () => {
    const key = freshKey("chatty");
    const reqs = [];
    let t = T0;
    for (let c = 0; c < 20; c++) {
      const opener = `I need help planning conversation ${c} about my garden and the tomatoes on the balcony.`;
      const history: { role: string; content: string }[] = [{ role: "user", content: opener }];
      for (let turn = 0; turn < 4; turn++) {
        reqs.push({ key, time: (t += 40_000), client: { ip: "198.51.100.7", asn: 64600, ua: "OpenAI/Python 1.54.0" }, body: { model: "m", messages: [...history] } });
        history.push({ role: "assistant", content: "(reply)" }, { role: "user", content: FOLLOW_UPS[turn % FOLLOW_UPS.length]! });
      }
      t += 3_600_000;
    }
    const r = await run(reqs);
    expect(r.statuses.every((s) => s === 200)).toBe(true);
  });

  it("a batch job applying one instruction to many texts is not refused for extraction", async () => {
    const key = freshKey("batch");
    const r = await run(batchTexts(250).map((text, i) => ({ key, time: T0 + i * 1_000, body: chat(text, { temperature: 0, max_tokens: 256 }) })));
    expect(r.refusedForExtraction).toBe(0);
    expect(r.served).toBe(250);
  });

  it("an app whose end users come back with broad topics is not refused", async () => {
    const key = freshKey("app");
    const prompts = sweepPrompts(300, 17);
    // Sessions of three requests per end user, a few minutes apart: ids come back, as people do.
    const r = await run(
      prompts.map((p, i) => ({
        key,
        time: T0 + i * 60_000,
        client: { ip: `192.0.2.${i % 20}`, asn: 16509, ua: "Python/3.11 aiohttp/3.10.10" },
        body: {
          model: "m",
          user: `end-user-${Math.floor(i / 3) % 97}`,
          messages: [
            { role: "system", content: "You are the helper inside WriteWell." },
            { role: "user", content: p },
          ],
        },
      })),
    );
    expect(r.refusedForExtraction).toBe(0);
  });

  it("a key that invents an end-user id for every request gets no pass from them", async () => {
    const key = freshKey("enduser-campaign");
    const prompts = sweepPrompts(300, 17);
    const r = await run(
      prompts.map((p, i) => ({
        key,
        time: T0 + i * 60_000,
        client: { ip: `192.0.2.${i % 20}`, asn: 16509, ua: "Python/3.11 aiohttp/3.10.10" },
        body: {
          model: "m",
          user: `end-user-${i}`,
          messages: [
            { role: "system", content: "You are the helper inside WriteWell." },
            { role: "user", content: p },
          ],
        },
      })),
    );
    expect(r.firstRefusal).not.toBeNull();
    expect(r.served / prompts.length).toBeLessThan(0.2);
  });

  it("a hydra of fresh keys sharing one client is caught as a cluster", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => freshKey(`hydra${i}`));
    const prompts = sweepPrompts(400, 3);
    const client = { ja4: "t13d1812h2_85036bcba153_b0e7e7f4ec5f", ua: "OpenAI/Python 1.30.1" };
    const reqs = prompts.map((p, i) => ({
      key: keys[i % keys.length]!,
      time: T0 + i * 9_000,
      client: { ...client, ip: `100.64.${i % 12}.9`, asn: 9009 + (i % 3) },
      body: hydraBody(p),
    }));
    const r = await run(reqs);
    // No key alone sends more than 10 prompts, under MIN_REQUESTS: only the cluster view can catch this.
    expect(r.refusedForExtraction).toBeGreaterThan(200);
    expect(r.served / prompts.length).toBeLessThan(0.4);
  });
});
