import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AccountGuard } from "../../durable-objects/account-guard";
import { accountObservation, randomPrompt } from "../support/observations";

const T0 = Date.UTC(2026, 0, 5, 9);

describe("AccountGuard", () => {
  it("keeps its counts and sketch estimates across an eviction once flushed", async () => {
    const id = "a".repeat(32);
    const stub = env.ACCOUNT_GUARD.getByName(id);
    for (let i = 0; i < 400; i++) await stub.observe(accountObservation(T0 + i * 1000));
    const before = await stub.view(T0 + 400_000);
    expect(before.requests).toBe(400);
    expect(before.distinct.prompts).toBeGreaterThan(360);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await evictDurableObject(stub);

    const after = await env.ACCOUNT_GUARD.getByName(id).view(T0 + 400_000);
    expect(after.requests).toBe(400);
    expect(after.distinct.prompts).toBe(before.distinct.prompts);
    expect(after.distinct.templates).toBe(before.distinct.templates);
    expect(after.distinct.topics).toBe(before.distinct.topics);
    expect(after.verdict).toEqual(before.verdict);
  });

  it("writes storage on a coalescing alarm, not per request", async () => {
    const id = "b".repeat(32);
    const stub = env.ACCOUNT_GUARD.getByName(id);
    for (let i = 0; i < 300; i++) await stub.observe(accountObservation(T0 + i * 100));
    await runDurableObjectAlarm(stub);
    const rows = await runInDurableObject(stub, async (_instance: AccountGuard, state) => {
      const epochs = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM epochs").one().n;
      return epochs;
    });
    expect(rows).toBeGreaterThanOrEqual(1);
    const view = await stub.view(T0 + 30_000);
    expect(view.storage.rowsWritten / 300).toBeLessThanOrEqual(0.05);
  });

  it("persists a verdict change immediately, so a block survives a crash before the alarm", async () => {
    const id = "c".repeat(32);
    const stub = env.ACCOUNT_GUARD.getByName(id);
    let action = "allow";
    for (let i = 0; i < 200 && action !== "block"; i++) {
      const d = await stub.observe(accountObservation(T0 + i * 2000, randomPrompt({ harvest: true })));
      action = d.action;
    }
    expect(action).toBe("block");
    await evictDurableObject(stub);
    const after = await env.ACCOUNT_GUARD.getByName(id).view(T0 + 500_000);
    expect(after.verdict.action).toBe("block");
    expect(after.verdict.reasons.length).toBeGreaterThan(0);
  });

  it("counts pass-through requests apart from inspected ones", async () => {
    const id = "d".repeat(32);
    const stub = env.ACCOUNT_GUARD.getByName(id);
    await stub.observe(accountObservation(T0, null));
    await stub.observe(accountObservation(T0 + 1));
    const view = await stub.view(T0 + 2);
    expect(view.requests).toBe(1);
    expect(view.otherRequests).toBe(1);
  });
});
