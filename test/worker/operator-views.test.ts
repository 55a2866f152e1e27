import { describe, expect, it } from "vitest";
import { chat, freshKey, send, T0 } from "../support/client";
import { accountIdOf, op } from "../support/operator-flow";

const HOUR = 3_600_000;

interface Point {
  start: number;
  end: number;
  requests: number;
  prompts: number;
  templates: number;
  topics: number;
  window: { requests: number; prompts: number; templates: number; topics: number };
}

describe("operator views for the dashboard", () => {
  it("gives an account's per-epoch series, with the window's figures as of each epoch", async () => {
    const t = T0 + 60 * 24 * HOUR;
    const key = freshKey("series");
    // Two epochs of 12 h (a 48 h window): 10 distinct prompts in the first, 5 new and 5 repeated in the second.
    for (let i = 0; i < 10; i++) await (await send("/v1/chat/completions", chat(`Question number ${i} about tides`), { key, time: t + i * 1000 })).arrayBuffer();
    for (let i = 5; i < 15; i++) await (await send("/v1/chat/completions", chat(`Question number ${i} about tides`), { key, time: t + 13 * HOUR + i * 1000 })).arrayBuffer();
    const id = await accountIdOf(key, t + 14 * HOUR);
    const view = await op<{ series: Point[] }>("GET", `/_guard/v1/accounts/${id}`, undefined, t + 14 * HOUR);
    const s = view.body.series;
    expect(s.length).toBe(2);
    expect(s[0]!.end - s[0]!.start).toBe(12 * HOUR);
    expect(s[0]).toMatchObject({ requests: 10, prompts: 10, window: { requests: 10, prompts: 10 } });
    expect(s[1]).toMatchObject({ requests: 10, prompts: 10, window: { requests: 20, prompts: 15 } });
    expect(s[1]!.window.topics).toBeGreaterThanOrEqual(s[0]!.window.topics);
  });

  it("gives a fingerprint's merged series and the accounts behind it, ids only", async () => {
    const t = T0 + 61 * 24 * HOUR;
    const client = { ja4: "t13d_views", ua: "views-client/3", ip: "192.0.2.150" };
    const keys = Array.from({ length: 6 }, (_, i) => freshKey(`fpv${i}`));
    for (const [i, key] of keys.entries()) await (await send("/v1/chat/completions", chat(`Prompt ${i} on rivers`), { key, time: t + i * 1000, ...client })).arrayBuffer();
    const ids = await Promise.all(keys.map((k) => accountIdOf(k, t + 10_000)));
    const acct = await op<{ fingerprints: string[] }>("GET", `/_guard/v1/accounts/${ids[0]}`, undefined, t + 10_000);
    const fp = await op<{ accounts: { id: string; lastSeen: number }[]; series: Point[]; distinct: { accounts: number } }>(
      "GET",
      `/_guard/v1/fingerprints/${acct.body.fingerprints[0]}`,
      undefined,
      t + 10_000,
    );
    expect(fp.body.accounts.map((a) => a.id).sort()).toEqual([...ids].sort());
    expect(fp.body.accounts[0]).toEqual({ id: ids[5], lastSeen: t + 5000 });
    expect(fp.body.series.length).toBe(1);
    expect(fp.body.series[0]).toMatchObject({ requests: 6, prompts: 6 });
    expect(JSON.stringify(fp.body)).not.toContain("sk-test");
  });

  it("reports the mode, the clock and the thresholds", async () => {
    const res = await op<{ mode: string; testMode: boolean; now: number; thresholds: { distinctPromptBudget: number }; auditRetentionDays: number }>("GET", "/_guard/v1/status", undefined, T0);
    expect(res.body).toMatchObject({ mode: "enforce", testMode: true, now: T0, auditRetentionDays: 90 });
    expect(res.body.thresholds.distinctPromptBudget).toBeGreaterThan(0);
  });
});
