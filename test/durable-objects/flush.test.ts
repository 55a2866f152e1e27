/**
 * What a flush costs: an idle object writes inside its request and sets no alarm, a busy one sets
 * at most one alarm per flush interval, and a flush after one change writes only what changed.
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AccountGuard } from "../../durable-objects/account-guard";
import { accountObservation } from "../support/observations";

const T0 = Date.UTC(2026, 0, 5, 9);

/** Counts setAlarm calls on the object's storage from now on. */
async function spyAlarms(stub: DurableObjectStub<AccountGuard>): Promise<void> {
  await runInDurableObject(stub, async (_i: AccountGuard, state) => {
    const storage = state.storage as DurableObjectStorage & { alarmCalls?: number };
    const set = storage.setAlarm.bind(storage);
    storage.alarmCalls = 0;
    storage.setAlarm = (t, o) => {
      storage.alarmCalls = (storage.alarmCalls ?? 0) + 1;
      return set(t, o);
    };
  });
}

const alarmCalls = (stub: DurableObjectStub<AccountGuard>) =>
  runInDurableObject(stub, async (_i: AccountGuard, state) => (state.storage as DurableObjectStorage & { alarmCalls?: number }).alarmCalls ?? 0);

describe("flush scheduling", () => {
  it("arms at most one alarm for many requests within a flush interval (FLUSH_INTERVAL_MS is 10 minutes here)", async () => {
    const stub = env.ACCOUNT_GUARD.getByName("f1".repeat(16));
    await stub.observe(accountObservation(T0)); // starts the object
    await spyAlarms(stub);
    for (let i = 1; i <= 50; i++) await stub.observe(accountObservation(T0 + i * 1000));
    expect(await alarmCalls(stub)).toBeLessThanOrEqual(1);
    const view = await stub.view(T0 + 60_000);
    expect(view.storage.alarmsSet).toBe(1);
    // the first request flushed inside the request, the others wait for the one alarm
    expect(view.storage.inlineFlushes).toBe(1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
  });

  it("an idle object flushes inside the request and sets no alarm, also after a restart", async () => {
    const stub = env.ACCOUNT_GUARD.getByName("f2".repeat(16));
    await stub.observe(accountObservation(T0));
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    const first = await stub.view(T0 + 1);
    expect(first.storage.alarmsSet).toBe(0);
    expect(first.storage.inlineFlushes).toBe(1);
    expect(first.requests).toBe(1);
    // already on disk: an eviction keeps it
    await evictDurableObject(stub);
    const again = env.ACCOUNT_GUARD.getByName("f2".repeat(16));
    await again.observe(accountObservation(T0 + 120_000));
    const after = await again.view(T0 + 120_001);
    expect(after.requests).toBe(2);
    expect(after.storage.alarmsSet).toBe(0);
  });

  it("a restart with an alarm pending does not set it again", async () => {
    const stub = env.ACCOUNT_GUARD.getByName("f3".repeat(16));
    await stub.observe(accountObservation(T0));
    await stub.observe(accountObservation(T0 + 1000)); // arms the alarm
    expect((await stub.view(T0 + 2000)).storage.alarmsSet).toBe(1);
    await evictDurableObject(stub);
    const again = env.ACCOUNT_GUARD.getByName("f3".repeat(16));
    await again.observe(accountObservation(T0 + 3000)); // restarts, reads the pending alarm once
    const view = await again.view(T0 + 4000);
    expect(view.storage.alarmsSet).toBe(0);
    expect(view.storage.inlineFlushes).toBe(0);
    expect(await runDurableObjectAlarm(again)).toBe(true);
  });

  it("a flush after one change writes only the rows that changed", async () => {
    const stub = env.ACCOUNT_GUARD.getByName("f4".repeat(16));
    // spread over days, so the window holds several epochs on disk
    for (let i = 0; i < 8; i++) await stub.observe(accountObservation(T0 + i * 6 * 3600_000));
    await runDurableObjectAlarm(stub);
    const epochs = await runInDurableObject(stub, async (_i: AccountGuard, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM epochs").one().n);
    expect(epochs).toBeGreaterThan(1);
    const before = (await stub.view(T0 + 48 * 3600_000)).storage.rowsWritten;
    await stub.observe(accountObservation(T0 + 48 * 3600_000 + 1000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const written = (await stub.view(T0 + 48 * 3600_000 + 2000)).storage.rowsWritten - before;
    // the account's meta, its ledger and the one epoch the request landed in: not every epoch
    expect(written).toBe(3);
    expect(written).toBeLessThan(epochs + 2);
    // an alarm with nothing changed writes nothing
    await stub.view(T0 + 48 * 3600_000 + 3000);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });
});
