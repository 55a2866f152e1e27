import { describe, expect, it } from "vitest";
import { chat, freshKey, operator, send, T0 } from "../support/client";
import { debugOf } from "../support/debug";
import { sweepPrompts } from "../support/prompts";

describe("GUARD_MODE=shadow", () => {
  it("never refuses for extraction but records what enforcement would have done", async () => {
    const key = freshKey("shadow");
    let shadowSeen = false;
    let t = T0;
    for (const p of sweepPrompts(150)) {
      const res = await send("/v1/chat/completions", chat(p, { max_tokens: 4096, temperature: 0 }), { key, time: (t += 5_000), ip: "203.0.113.9", ua: "curl/8" });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      if (debugOf(res)?.shadow) shadowSeen = true;
    }
    expect(shadowSeen).toBe(true);
    const flagged = (await (await operator("/_guard/v1/flagged", { time: t })).json()) as { accounts: { shadow: boolean }[] };
    expect(flagged.accounts.length).toBeGreaterThan(0);
    expect(flagged.accounts.every((a) => a.shadow)).toBe(true);
  });

  it("still applies classic limits", async () => {
    const key = freshKey("shadow-rate");
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) {
      const res = await send("/v1/chat/completions", chat(`q${i}`), { key, time: T0 });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toContain(429);
  });
});
