/**
 * Durable Object eviction loses nothing once the flush alarm has run: the
 * fingerprint shard and the registry read back the same figures and verdicts from SQLite.
 * (AccountGuard's own eviction tests are in account-guard.test.ts.)
 */
import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FingerprintObservation } from "../../durable-objects/protocol";
import { randomPrompt, FRESH_SINGLE } from "../support/observations";

const T0 = Date.UTC(2026, 0, 5, 9);

function fpObservation(i: number, now: number): FingerprintObservation {
  // A fresh account every third request: a campaign spreading over keys, so the verdict moves.
  const k = Math.floor(i / 3);
  const account: [number, number] = [Math.imul(k + 1, 0x9e3779b1) >>> 0, Math.imul(k + 7, 0x85ebca6b) >>> 0];
  return { now, account, pair: [i * 7919, i * 104729], prompt: randomPrompt(), seen: FRESH_SINGLE, accountId: k.toString(16).padStart(32, "0") };
}

describe("FingerprintGuard eviction", () => {
  it("keeps its requests, sketch estimates, recent accounts and verdict across an eviction once flushed", async () => {
    const fp = "s00000000000e71c7";
    const stub = env.FINGERPRINT_GUARD.getByName(`${fp}/0`);
    for (let i = 0; i < 300; i++) await stub.observe(fpObservation(i, T0 + i * 5000));
    const now = T0 + 300 * 5000;
    const before = await stub.view(now);
    const snapBefore = await stub.snapshot(now);
    expect(before.requests).toBe(300);
    expect(before.distinct.accounts).toBeGreaterThan(90);
    expect(before.recentAccounts).toBeGreaterThan(50);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await evictDurableObject(stub);

    const again = env.FINGERPRINT_GUARD.getByName(`${fp}/0`);
    const after = await again.view(now);
    expect(after.requests).toBe(before.requests);
    expect(after.distinct).toEqual(before.distinct);
    expect(after.recentAccounts).toBe(before.recentAccounts);
    expect(after.verdict).toEqual(before.verdict);
    const snapAfter = await again.snapshot(now);
    expect(snapAfter.requests).toBe(snapBefore.requests);
    expect([...snapAfter.union]).toEqual([...snapBefore.union]);
  });
});

describe("FingerprintGuard shards after an exchange", () => {
  it("keep the other shards' unions across an eviction, so merged figures do not drop", async () => {
    const fp = "s0000000000005a4d";
    const root = env.FINGERPRINT_GUARD.getByName(`${fp}/0`);
    const shard1 = env.FINGERPRINT_GUARD.getByName(`${fp}/1`);
    for (let i = 0; i < 60; i++) await root.observe(fpObservation(i, T0 + i * 1000));
    for (let i = 60; i < 180; i++) await shard1.observe(fpObservation(i, T0 + i * 1000));
    await runDurableObjectAlarm(root);
    expect(await runDurableObjectAlarm(shard1)).toBe(true); // flushes, then exchanges with shard 0
    const now = T0 + 200_000;
    const rootBefore = await root.view(now);
    const shardBefore = await shard1.view(now);
    expect(rootBefore.distinct.accounts).toBeGreaterThan(50); // shard 0 alone has 20

    await evictDurableObject(root);
    await evictDurableObject(shard1);
    expect((await env.FINGERPRINT_GUARD.getByName(`${fp}/0`).view(now)).distinct).toEqual(rootBefore.distinct);
    expect((await env.FINGERPRINT_GUARD.getByName(`${fp}/1`).view(now)).distinct).toEqual(shardBefore.distinct);
  });
});

describe("GuardRegistry eviction", () => {
  it("keeps the flagged list across an eviction (it writes on every report)", async () => {
    const registry = env.GUARD_REGISTRY.getByName("eviction-test");
    await registry.report({ kind: "account", id: "e".repeat(32), action: "block", reasons: ["campaign"], since: T0, until: T0 + 3_600_000, shadow: false });
    await registry.report({ kind: "fingerprint", id: "s0123456789abcdef", action: "throttle", reasons: ["burst"], since: T0 + 1, until: T0 + 900_000, shadow: false });
    const before = await registry.flagged(T0 + 10);
    expect(before.accounts).toHaveLength(1);
    expect(before.fingerprints).toHaveLength(1);
    await evictDurableObject(registry);
    expect(await env.GUARD_REGISTRY.getByName("eviction-test").flagged(T0 + 10)).toEqual(before);
  });
});
