import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { chat, freshKey, send, T0 } from "../support/client";
import { debugOf } from "../support/debug";
import { accountIdOf, op, sweep } from "../support/operator-flow";
import { hydraBody, sweepPrompts } from "../support/prompts";

const DAY = 86_400_000;

async function ask(key: string, time: number, client: { ja4?: string; ua?: string; ip?: string } = {}) {
  const res = await send("/v1/chat/completions", chat(`ordinary question at ${time}`), { key, time, ip: "198.51.100.9", ua: "app/1", ...client });
  await res.arrayBuffer();
  return { status: res.status, debug: debugOf(res)!, retryAfter: res.headers.get("retry-after") };
}

describe("operator overrides", () => {
  it("deny-lists an account: 403 with cause override, Retry-After while it expires, and it survives a restart", async () => {
    const t = T0 + 10 * DAY;
    const key = freshKey("deny");
    expect((await ask(key, t)).status).toBe(200);
    const id = await accountIdOf(key, t);

    const put = await op("PUT", `/_guard/v1/accounts/${id}/override`, { list: "deny", reason: "chargeback fraud", ttlS: 3600 }, t + 1000);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ kind: "account", id, override: { list: "deny", reason: "chargeback fraud", until: t + 1000 + 3_600_000 } });

    const denied = await ask(key, t + 2000);
    expect(denied.status).toBe(403);
    expect(denied.debug).toMatchObject({ action: "block", cause: "override" });
    expect(Number(denied.retryAfter)).toBe(3599);

    await evictDurableObject(env.ACCOUNT_GUARD.getByName(id));
    expect((await ask(key, t + 3000)).status).toBe(403);
    // The entry lapses at its expiry.
    expect((await ask(key, t + 1000 + 3_600_000)).status).toBe(200);
  });

  it("answers a deny without expiry with 403 and no Retry-After; DELETE clears it", async () => {
    const t = T0 + 11 * DAY;
    const key = freshKey("deny-forever");
    await ask(key, t);
    const id = await accountIdOf(key, t);
    await op("PUT", `/_guard/v1/accounts/${id}/override`, { list: "deny", reason: "abuse" }, t);
    const denied = await ask(key, t + 1000);
    expect(denied.status).toBe(403);
    expect(denied.retryAfter).toBeNull();

    const listed = await op<{ accounts: { id: string; override: { list: string } }[] }>("GET", "/_guard/v1/overrides", undefined, t + 1000);
    expect(listed.body.accounts.find((a) => a.id === id)?.override.list).toBe("deny");

    const del = await op("DELETE", `/_guard/v1/accounts/${id}/override`, { reason: "appeal accepted" }, t + 2000);
    expect(del.status).toBe(200);
    expect((await ask(key, t + 3000)).status).toBe(200);
    const after = await op<{ accounts: { id: string }[] }>("GET", "/_guard/v1/overrides", undefined, t + 3000);
    expect(after.body.accounts.find((a) => a.id === id)).toBeUndefined();
  });

  it("never refuses an allow-listed account for extraction, while classic limits still apply", async () => {
    const t = T0 + 12 * DAY;
    const key = freshKey("allow");
    await ask(key, t);
    const id = await accountIdOf(key, t);
    await op("PUT", `/_guard/v1/accounts/${id}/override`, { list: "allow", reason: "verified research partner" }, t);
    const run = await sweep(key, t, { max: 120 });
    expect(run.last.action).toBe("allow");
    const state = await op<{ verdict: { action: string }; override: { override: { list: string } } }>("GET", `/_guard/v1/accounts/${id}`, undefined, run.t);
    expect(state.body.verdict.action).toBe("allow");
    expect(state.body.override.override.list).toBe("allow");

    // 100 requests per minute in the test bindings: a burst at one instant still meets the limit.
    let limited = 0;
    for (let i = 0; i < 110; i++) if ((await ask(key, run.t + 60_000)).status === 429) limited++;
    expect(limited).toBeGreaterThan(0);
  });

  it("raises an account's request quota", async () => {
    const t = T0 + 13 * DAY;
    const key = freshKey("quota");
    await ask(key, t);
    const id = await accountIdOf(key, t);
    const put = await op("PUT", `/_guard/v1/accounts/${id}/override`, { limits: { requests: 1000 }, reason: "enterprise contract" }, t);
    expect(put.status).toBe(200);
    const statuses = new Set<number>();
    for (let i = 0; i < 150; i++) statuses.add((await ask(key, t + 60_000)).status);
    expect([...statuses]).toEqual([200]);
    const state = await op<{ limits: { name: string; quota: number }[] }>("GET", `/_guard/v1/accounts/${id}`, undefined, t + 60_000);
    expect(state.body.limits.find((l) => l.name === "requests")?.quota).toBe(1000);
  });

  it("lifts a block: the next request passes and the account is not judged again during the grace", async () => {
    const t = T0 + 14 * DAY;
    const key = freshKey("lift");
    const run = await sweep(key, t, { until: "block" });
    expect(run.status).toBe(403);
    const id = await accountIdOf(key, run.t);
    const flaggedBefore = await op<{ accounts: { id: string }[] }>("GET", "/_guard/v1/flagged", undefined, run.t);
    expect(flaggedBefore.body.accounts.some((a) => a.id === id)).toBe(true);

    const lifted = await op<{ lifted: { action: string }; graceUntil: number }>("POST", `/_guard/v1/accounts/${id}/lift`, { reason: "false positive: course generator" }, run.t + 1000);
    expect(lifted.status).toBe(200);
    expect(lifted.body.lifted.action).toBe("block");
    expect(lifted.body.graceUntil).toBe(run.t + 1000 + 172_800_000);

    const next = await sweep(key, run.t + 1000, { max: 40, offset: 150 });
    expect(next.status).toBe(200);
    expect(next.last.action).toBe("allow");
    const flaggedAfter = await op<{ accounts: { id: string }[] }>("GET", "/_guard/v1/flagged", undefined, next.t);
    expect(flaggedAfter.body.accounts.some((a) => a.id === id)).toBe(false);

    // Without grace, the same evidence is judged again at once.
    await op("POST", `/_guard/v1/accounts/${id}/lift`, { reason: "re-check", graceS: 0 }, next.t + 1000);
    const again = await sweep(key, next.t + 1000, { max: 3, offset: 200 });
    expect(again.last.action).not.toBe("allow");
  });

  it("deny-lists a fingerprint on every shard; an allow-listed account behind it still passes", async () => {
    const t = T0 + 15 * DAY;
    const client = { ja4: "t13d_fp_deny_test", ua: "harvester/2.0", ip: "192.0.2.44" };
    const first = freshKey("fp-a");
    await ask(first, t, client);
    const state = await op<{ fingerprints: string[] }>("GET", `/_guard/v1/accounts/${await accountIdOf(first, t)}`, undefined, t);
    const fp = state.body.fingerprints[0];

    const put = await op("PUT", `/_guard/v1/fingerprints/${fp}/override`, { list: "deny", reason: "known harvesting stack", ttlS: 86_400 }, t + 1000);
    expect(put.status).toBe(200);

    // Fresh keys land on different shards: all of them are refused.
    for (let i = 0; i < 6; i++) {
      const r = await ask(freshKey(`fp-b${i}`), t + 2000 + i, client);
      expect(r.status).toBe(403);
      expect(r.debug.cause).toBe("override");
      expect(Number(r.retryAfter)).toBeGreaterThan(80_000);
    }
    expect((await ask(freshKey("fp-other"), t + 3000, { ...client, ua: "other-client/1", ja4: "t13d_other" })).status).toBe(200);

    const vip = freshKey("fp-vip");
    await ask(vip, t + 4000, { ua: "x/1" });
    await op("PUT", `/_guard/v1/accounts/${await accountIdOf(vip, t + 4000)}/override`, { list: "allow", reason: "enterprise on a shared client" }, t + 4000);
    expect((await ask(vip, t + 5000, client)).status).toBe(200);

    const fpState = await op<{ override: { override: { list: string } }; accounts: { id: string }[] }>("GET", `/_guard/v1/fingerprints/${fp}`, undefined, t + 5000);
    expect(fpState.body.override.override.list).toBe("deny");
    expect(fpState.body.accounts.length).toBeGreaterThanOrEqual(7);
  });

  it("lifts a flagged fingerprint and, with it, the accounts that adopted its verdict", async () => {
    const t0 = T0 + 40 * DAY;
    const client = { ja4: "t13d_hydra_lift", ua: "OpenAI/Python 1.30.1" };
    const keys = Array.from({ length: 24 }, (_, i) => freshKey(`hl${i}`));
    let t = t0;
    for (const [i, p] of sweepPrompts(240, 11).entries()) {
      const body = hydraBody(p);
      await (await send("/v1/chat/completions", body, { key: keys[i % keys.length], time: (t += 9_000), ...client, ip: `100.64.${i % 12}.9`, asn: 9009 + (i % 3) })).arrayBuffer();
    }
    const flagged = await op<{ accounts: { id: string; via?: string }[]; fingerprints: { id: string }[] }>("GET", "/_guard/v1/flagged", undefined, t);
    const ids = new Set(await Promise.all(keys.map((k) => accountIdOf(k, t))));
    const adopted = flagged.body.accounts.filter((a) => ids.has(a.id) && a.via);
    expect(adopted.length).toBeGreaterThan(0);
    const fp = adopted[0]!.via!;
    expect(flagged.body.fingerprints.some((f) => f.id === fp)).toBe(true);

    const lifted = await op<{ accounts: string[] }>("POST", `/_guard/v1/fingerprints/${fp}/lift`, { reason: "a university lab, verified" }, t + 1000);
    expect(lifted.status).toBe(200);
    expect(lifted.body.accounts.sort()).toEqual(
      adopted
        .filter((a) => a.via === fp)
        .map((a) => a.id)
        .sort(),
    );
    const after = await op<{ accounts: { id: string }[]; fingerprints: { id: string }[] }>("GET", "/_guard/v1/flagged", undefined, t + 1000);
    expect(after.body.fingerprints.some((f) => f.id === fp)).toBe(false);
    expect(after.body.accounts.some((a) => lifted.body.accounts.includes(a.id))).toBe(false);
    const next = await ask(keys[0]!, t + 2000, { ...client, ip: "100.64.0.9" });
    expect(next.status).toBe(200);
  });

  it("validates bodies and ids, and needs the token", async () => {
    const id = "e".repeat(32);
    const bad = [
      {},
      { list: "maybe", reason: "x" },
      { list: "deny" },
      { list: "deny", reason: "" },
      { list: "deny", reason: "x", ttlS: -1 },
      { list: "deny", reason: "x", until: 5 },
      { limits: { requests: 0 }, reason: "x" },
      { limits: { bananas: 5 }, reason: "x" },
      { list: "deny", reason: "x", colour: "red" },
    ];
    for (const body of bad) expect((await op("PUT", `/_guard/v1/accounts/${id}/override`, body, T0)).status, JSON.stringify(body)).toBe(400);
    expect((await op("PUT", "/_guard/v1/fingerprints/s0123456789abcdef/override", { limits: { requests: 5 }, reason: "x" }, T0)).status).toBe(400);
    expect((await op("PUT", "/_guard/v1/accounts/nope/override", { list: "deny", reason: "x" }, T0)).status).toBe(400);
    expect((await op("POST", `/_guard/v1/accounts/${id}/lift`, { graceS: 5 }, T0)).status).toBe(400);
    const res = await send("/_guard/v1/overrides", null, { key: null, method: "GET" });
    expect(res.status).toBe(401);
  });
});
