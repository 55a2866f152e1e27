/**
 * Retried requests with an Idempotency-Key are not counted twice, and get the
 * same verdict while it holds. Counts are read back through the operator API.
 */
import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_MAX_REPLAYS, IDEMPOTENCY_TTL_MS } from "../../durable-objects/idempotency";
import { accountIdFor } from "../../worker/identity";
import { chat, freshKey, operator, send, T0 } from "../support/client";

async function requestsOf(key: string, time: number): Promise<{ requests: number; otherRequests: number }> {
  const res = await operator("/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key }), time });
  expect(res.status).toBe(200);
  return (await res.json()) as { requests: number; otherRequests: number };
}

const post = (key: string, content: string, time: number, idem?: string) => send("/v1/chat/completions", chat(content), { key, time, headers: idem ? { "idempotency-key": idem } : {} });

describe("Idempotency-Key", () => {
  it("a retry with the same key and body is served again but counted once", async () => {
    const key = freshKey("idem");
    const a = await post(key, "What is the capital of Peru?", T0, "retry-1");
    const b = await post(key, "What is the capital of Peru?", T0 + 2000, "retry-1");
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    await a.text();
    await b.text();
    expect((await requestsOf(key, T0 + 3000)).requests).toBe(1);
  });

  it("the same key with another body is another request, so one key cannot launder many prompts", async () => {
    const key = freshKey("idem-body");
    for (let i = 0; i < 5; i++) await (await post(key, `Prompt number ${i}`, T0 + i, "same-key")).text();
    expect((await requestsOf(key, T0 + 10)).requests).toBe(5);
  });

  it("without the header, identical requests are each counted", async () => {
    const key = freshKey("no-idem");
    await (await post(key, "Same text", T0)).text();
    await (await post(key, "Same text", T0 + 1)).text();
    expect((await requestsOf(key, T0 + 2)).requests).toBe(2);
  });

  it(`honours at most ${IDEMPOTENCY_MAX_REPLAYS} retries per counted request`, async () => {
    const key = freshKey("idem-cap");
    const sends = IDEMPOTENCY_MAX_REPLAYS + 2;
    for (let i = 0; i < sends; i++) await (await post(key, "Repeat me", T0 + i, "k")).text();
    expect((await requestsOf(key, T0 + 100)).requests).toBe(2);
  });

  it("a retry after the idempotency window is a new request", async () => {
    const key = freshKey("idem-ttl");
    await (await post(key, "Later", T0, "k")).text();
    await (await post(key, "Later", T0 + IDEMPOTENCY_TTL_MS + 1, "k")).text();
    expect((await requestsOf(key, T0 + IDEMPOTENCY_TTL_MS + 2)).requests).toBe(2);
  });

  it("the client's fingerprint counts a retry once too", async () => {
    const key = freshKey("idem-fp");
    const client = { ua: "idem-client/1.0", ja4: "t13d_idem", ip: "198.51.100.99", asn: 64509 };
    for (let i = 0; i < 2; i++) await (await send("/v1/chat/completions", chat("A retried question"), { key, time: T0 + i, headers: { "idempotency-key": "fp-1" }, ...client })).text();
    await (await send("/v1/chat/completions", chat("A new question"), { key, time: T0 + 5, ...client })).text();
    const res = await operator("/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key }), time: T0 + 10 });
    const { fingerprints } = (await res.json()) as { fingerprints: string[] };
    expect(fingerprints.length).toBeGreaterThan(0);
    for (const fp of fingerprints) {
      const view = (await (await operator(`/_guard/v1/fingerprints/${fp}`, { time: T0 + 10 })).json()) as { requests: number };
      expect(view.requests).toBe(2);
    }
  });

  it("counts pass-through retries once too", async () => {
    const key = freshKey("idem-other");
    for (let i = 0; i < 2; i++) await (await send("/v1/models", null, { key, method: "GET", time: T0 + i, headers: { "idempotency-key": "list-1" } })).text();
    await (await post(key, "one inspected", T0 + 5)).text();
    const state = await requestsOf(key, T0 + 10);
    expect(state.otherRequests).toBe(1);
    expect(state.requests).toBe(1);
  });

  it("a throttled request's retry gets the same 429 while Retry-After holds, and is decided afresh (uncounted) after it", async () => {
    const key = freshKey("idem-429");
    const quota = Number((env as unknown as Record<string, string>).RATE_LIMIT_REQUESTS);
    for (let i = 0; i < quota; i++) await (await post(key, `fill ${i}`, T0)).text();
    const first = await post(key, "one more", T0, "r");
    expect(first.status).toBe(429);
    const wait = Number(first.headers.get("retry-after"));
    await first.text();
    const retry = await post(key, "one more", T0 + 100, "r");
    expect(retry.status).toBe(429);
    await retry.text();
    expect((await requestsOf(key, T0 + 200)).requests).toBe(quota + 1);
    const later = await post(key, "one more", T0 + wait * 1000 + 1, "r");
    expect(later.status).toBe(200);
    await later.text();
    expect((await requestsOf(key, T0 + wait * 1000 + 2)).requests).toBe(quota + 1);
  });

  it("remembers retries across a flush and an eviction", async () => {
    const key = freshKey("idem-evict");
    await (await post(key, "Survive a restart", T0, "persist")).text();
    const stub = env.ACCOUNT_GUARD.getByName(await accountIdFor((env as unknown as { GUARD_SECRET: string }).GUARD_SECRET, key));
    // An idle account flushes inside its first request, so no alarm is left to run: the eviction
    // right after it must still keep the retry.
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    await evictDurableObject(stub);
    await (await post(key, "Survive a restart", T0 + 1000, "persist")).text();
    expect((await requestsOf(key, T0 + 2000)).requests).toBe(1);
  });
});
