/**
 * SPECULATIVE_UPSTREAM: an inspected request may go upstream while the Durable Objects decide, but
 * its answer is released only when the verdict allows it. A refused request is answered 429/403 at
 * once, without anything from the upstream, and its upstream request is aborted; the account's next
 * requests wait for their verdict. With the setting off, a refused request never reaches upstream.
 */
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { chat, freshKey, send, T0 } from "../support/client";

const speculative = (env as unknown as { SPECULATIVE_UPSTREAM: string }).SPECULATIVE_UPSTREAM === "true";
const port = inject("speculativeUpstreamPort");

interface Log {
  received: number;
  aborted: number;
  answered: number;
}

async function upstreamLog(id: string): Promise<Log> {
  return (await fetch(`http://127.0.0.1:${port}/_log/${encodeURIComponent(id)}`)).json();
}

async function until(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe(`SPECULATIVE_UPSTREAM=${speculative}`, () => {
  it("serves an allowed request from the upstream", async () => {
    const id = crypto.randomUUID();
    const res = await send("/v1/chat/completions", chat("hello there"), { key: freshKey("spec-ok"), time: T0, headers: { "x-test-id": id, "x-test-delay": "20" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-upstream")).toBe("speculative-test");
    expect(res.headers.get("ratelimit-policy")).not.toBeNull();
    expect(await res.json()).toMatchObject({ choices: [{ message: { content: "from upstream" } }] });
    expect(await upstreamLog(id)).toEqual({ received: 1, aborted: 0, answered: 1 });
  });

  it("answers a refused request at once, with nothing from the upstream, and aborts the upstream call", async () => {
    const key = freshKey("spec-refused");
    for (let i = 0; i < 2; i++) {
      const ok = await send("/v1/chat/completions", chat(`allowed ${i}`), { key, time: T0 });
      expect(ok.status).toBe(200);
      await ok.text();
    }
    const id = crypto.randomUUID();
    const t0 = Date.now();
    const refused = await send("/v1/chat/completions", chat("one too many"), { key, time: T0, headers: { "x-test-id": id, "x-test-delay": "6000" } });
    expect(refused.status).toBe(429);
    // Did not wait for the upstream's answer (6 s away); the margin absorbs a loaded machine.
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(refused.headers.get("x-upstream")).toBeNull();
    expect(await refused.json()).toMatchObject({ error: { type: "rate_limit_error" } });
    if (speculative) {
      // it went upstream early, and the guard hung up before the upstream answered
      await until(async () => (await upstreamLog(id)).aborted > 0);
      expect(await upstreamLog(id)).toEqual({ received: 1, aborted: 1, answered: 0 });
    } else {
      expect((await upstreamLog(id)).received).toBe(0);
    }

    // the account was just refused: its next request waits for the verdict and never goes upstream
    const next = crypto.randomUUID();
    const again = await send("/v1/chat/completions", chat("still too many"), { key, time: T0 + 1000, headers: { "x-test-id": next } });
    expect(again.status).toBe(429);
    await again.text();
    expect((await upstreamLog(next)).received).toBe(0);
  });

  it("never lets a malformed request reach the upstream", async () => {
    const id = crypto.randomUUID();
    const res = await send("/v1/chat/completions", { model: "m" }, { key: freshKey("spec-bad"), time: T0, headers: { "x-test-id": id } });
    expect(res.status).toBe(400);
    await res.text();
    expect((await upstreamLog(id)).received).toBe(0);
  });
});
