import { describe, expect, it } from "vitest";
import { chat, freshKey, operator, send, T0 } from "../support/client";
import { sweepPrompts } from "../support/prompts";

interface AccountState {
  account: string;
  requests: number;
  distinct: { prompts: number };
  verdict: { action: string; reasons: string[]; until: number | null };
  fingerprints: string[];
}

describe("operator API", () => {
  it("rejects a missing, wrong or differently sized token with 401", async () => {
    for (const token of [null, "wrong-token-same-len", "x", "test-admin-token-but-longer"]) {
      const res = await operator("/_guard/v1/flagged", { token });
      expect(res.status).toBe(401);
    }
  });

  it("reports an account's exact request count, distinct prompts and fingerprints", async () => {
    const key = freshKey("op");
    for (let i = 0; i < 12; i++) {
      const prompt = i < 10 ? `Distinct question ${i} about rivers` : "Distinct question 0 about rivers";
      const res = await send("/v1/chat/completions", chat(prompt), { key, time: T0 + i * 1000, ja4: "t13d_op", ua: "ua/1", asn: 64512, ip: "198.51.100.1" });
      await res.arrayBuffer();
    }
    // A malformed request is not counted.
    await send("/v1/chat/completions", null, { key, rawBody: "{", time: T0 + 20_000 });

    const res = await operator("/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key }), time: T0 + 30_000, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    const state = (await res.json()) as AccountState;
    expect(state.account).toMatch(/^[0-9a-f]{32}$/);
    expect(state.requests).toBe(12);
    expect(state.distinct.prompts).toBe(10);
    expect(state.verdict.action).toBe("allow");
    expect(state.fingerprints.length).toBe(2);
    expect(JSON.stringify(state)).not.toContain(key);

    const byId = await operator(`/_guard/v1/accounts/${state.account}`, { time: T0 + 30_000 });
    expect(((await byId.json()) as AccountState).requests).toBe(12);

    const fp = await operator(`/_guard/v1/fingerprints/${state.fingerprints[0]}`, { time: T0 + 30_000 });
    expect(fp.status).toBe(200);
    const fpState = (await fp.json()) as { fingerprint: string; requests: number; distinct: { accounts: number; prompts: number }; verdict: { action: string } };
    expect(fpState.fingerprint).toBe(state.fingerprints[0]);
    expect(fpState.requests).toBeGreaterThanOrEqual(12);
    expect(fpState.distinct.accounts).toBeGreaterThanOrEqual(1);
    expect(fpState.verdict.action).toBeDefined();
  });

  it("answers 400 for malformed ids and lookups, 404 for unknown subjects", async () => {
    expect((await operator("/_guard/v1/accounts/not-an-id")).status).toBe(400);
    expect((await operator(`/_guard/v1/accounts/${"0".repeat(32)}`)).status).toBe(404);
    expect((await operator("/_guard/v1/fingerprints/zzz")).status).toBe(400);
    expect((await operator("/_guard/v1/accounts/lookup", { method: "POST", body: "{}" })).status).toBe(400);
    expect((await operator("/_guard/v1/accounts/lookup", { method: "POST", body: "nope" })).status).toBe(400);
    expect((await operator("/_guard/v1/nothing-here")).status).toBe(404);
  });

  it("lists a swept account as flagged with its reasons and expiry", async () => {
    const key = freshKey("flag");
    let t = T0 + 86_400_000;
    for (const p of sweepPrompts(120)) {
      const res = await send("/v1/chat/completions", chat(p, { max_tokens: 4096 }), { key, time: (t += 5_000), ip: "203.0.113.50", ua: "curl/8" });
      await res.arrayBuffer();
    }
    const lookup = await operator("/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key }), time: t });
    const state = (await lookup.json()) as AccountState;
    expect(state.verdict.action).not.toBe("allow");
    expect(state.verdict.reasons.length).toBeGreaterThan(0);

    const res = await operator("/_guard/v1/flagged", { time: t });
    const flagged = (await res.json()) as { accounts: { id: string; action: string; reasons: string[]; until: number | null }[]; fingerprints: unknown[] };
    const entry = flagged.accounts.find((a) => a.id === state.account);
    expect(entry).toBeDefined();
    expect(entry!.reasons.length).toBeGreaterThan(0);
    expect(["throttle", "block"]).toContain(entry!.action);
    expect(entry!.until === null || entry!.until > t).toBe(true);
  });
});
