/**
 * The overview endpoint counts what the guard did with each request, by cause and per minute of
 * request time, from isolate tallies sent off the response path (worker/overview.ts).
 */
import { describe, expect, it } from "vitest";
import { chat, freshKey, operator, send, T0 } from "../support/client";

const DAY = 86_400_000;

interface Overview {
  from: number;
  to: number;
  bucketMs: number;
  totals: Record<string, number>;
  series: { start: number; end: number; counts: Record<string, number> }[];
}

async function overview(query: string, time: number): Promise<{ status: number; body: Overview }> {
  const res = await operator(`/_guard/v1/overview?${query}`, { time });
  return { status: res.status, body: (await res.json()) as Overview };
}

describe("overview counts", () => {
  it("counts served requests and an operator's deny block per minute of request time, and its sums add up", async () => {
    // A day of its own, so other tests' traffic does not land in the range.
    const t = T0 + 90 * DAY;
    const key = freshKey("overview");
    for (let i = 0; i < 5; i++) await (await send("/v1/chat/completions", chat(`How tall is mountain ${i}?`), { key, time: t + i * 20_000 })).arrayBuffer();
    const other = freshKey("overview-denied");
    const lookup = await operator("/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key: other }), time: t, headers: { "content-type": "application/json" } });
    await lookup.arrayBuffer();
    const served = await send("/v1/chat/completions", chat("hello"), { key: other, time: t + 3 * 60_000 });
    expect(served.status).toBe(200);
    const { account } = (await (
      await operator("/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key: other }), time: t, headers: { "content-type": "application/json" } })
    ).json()) as { account: string };
    const deny = await operator(`/_guard/v1/accounts/${account}/override`, {
      method: "PUT",
      body: JSON.stringify({ list: "deny", reason: "test" }),
      time: t + 3 * 60_000,
      headers: { "content-type": "application/json" },
    });
    expect(deny.status).toBe(200);
    const refused = await send("/v1/chat/completions", chat("hello again"), { key: other, time: t + 4 * 60_000 });
    expect(refused.status).toBe(403);
    await refused.arrayBuffer();

    const { status, body } = await overview(`from=${t}&to=${t + 10 * 60_000}`, t + 10 * 60_000);
    expect(status).toBe(200);
    expect(body.bucketMs).toBe(60_000);
    expect(body.series.length).toBe(10);
    expect(body.totals).toMatchObject({ served: 6, "served/none": 6, blocked: 1, "blocked/override": 1, throttled: 0, wouldBlock: 0 });
    // Five requests 20 s apart: three in the first minute, two in the second.
    expect(body.series[0]!.counts.served).toBe(3);
    expect(body.series[1]!.counts.served).toBe(2);
    expect(body.series[4]!.counts["blocked/override"]).toBe(1);
    for (const k of ["served", "blocked"]) expect(body.series.reduce((n, b) => n + (b.counts[k] ?? 0), 0)).toBe(body.totals[k]);
  });

  it("defaults to the day before now with round buckets, and refuses a bad range with a 400 in the API's shape", async () => {
    const now = T0 + 95 * DAY + 12_345;
    const { status, body } = await overview("", now);
    expect(status).toBe(200);
    expect(body.to - body.from).toBe(DAY);
    expect(body.to).toBeGreaterThan(now);
    expect(body.series.length).toBe(DAY / body.bucketMs);
    for (const q of ["from=10&to=5", `from=0&to=${40 * DAY}`, "bucketS=7", "from=yesterday"]) {
      const res = await operator(`/_guard/v1/overview?${q}`, { time: now });
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    }
  });
});
