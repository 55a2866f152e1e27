/**
 * Stored state is versioned and its layout is recorded: an object restarted with another
 * DETECTION_WINDOW_S (epoch length) keeps reading its epochs with the length they were written with,
 * and a JSON row of an unknown version or the wrong shape starts that part afresh instead of crashing.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AccountGuard } from "../../durable-objects/account-guard";
import { FingerprintGuard } from "../../durable-objects/fingerprint-guard";
import { accountObservation, randomPrompt, FRESH_SINGLE } from "../support/observations";

const T0 = Date.UTC(2026, 0, 5, 9);
const HOUR = 3_600_000;

/** A fresh instance over the same storage, built with other bindings (a redeploy), once it has loaded. */
async function started<G>(state: DurableObjectState, make: () => G): Promise<G> {
  const guard = make();
  await state.blockConcurrencyWhile(async () => {});
  return guard;
}

function restartWith<T>(bindings: Record<string, string>, read: (guard: AccountGuard) => Promise<T>) {
  return async (_instance: AccountGuard, state: DurableObjectState) => read(await started(state, () => new AccountGuard(state, { ...env, ...bindings } as Env)));
}

describe("stored state", () => {
  afterEach(() => vi.restoreAllMocks());

  it("keeps its recorded counts when DETECTION_WINDOW_S changes on existing state, and says so", async () => {
    const id = "c".repeat(32);
    const stub = env.ACCOUNT_GUARD.getByName(id);
    // Spread over a day, so the default window's epochs (12 h) hold them in several epochs.
    for (let i = 0; i < 60; i++) await stub.observe(accountObservation(T0 + i * 0.4 * HOUR, randomPrompt({ tokens: 10 })));
    const now = T0 + 24 * HOUR;
    const before = await stub.view(now);
    expect(before.window.counters.requests).toBe(60);
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    // One hour: epochs of 15 minutes, under which every stored epoch index would read as long expired.
    const after = await runInDurableObject(
      stub,
      restartWith({ DETECTION_WINDOW_S: "3600" }, (g) => g.view(now)),
    );
    expect(after.requests).toBe(before.requests);
    expect(after.window).toEqual(before.window);
    expect(after.distinct).toEqual(before.distinct);
    expect(after.series).toEqual(before.series);
    const logged = errors.mock.calls.map((c) => String(c[0]));
    expect(logged.some((l) => l.includes('"storage_layout_changed"') && l.includes("DETECTION_WINDOW_S"))).toBe(true);

    // The running object, with the configured window, still agrees after that restart.
    expect((await stub.view(now)).window.counters).toEqual(before.window.counters);
  });

  it("starts a meta row of an unknown version or the wrong shape afresh, and logs it", async () => {
    const id = "d".repeat(32);
    const stub = env.ACCOUNT_GUARD.getByName(id);
    for (let i = 0; i < 5; i++) await stub.observe(accountObservation(T0 + i * 1000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});

    const write = (k: string, v: string) => (_i: AccountGuard, state: DurableObjectState) => void state.storage.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", k, v);
    await runInDurableObject(stub, write("account", JSON.stringify({ v: 99, data: { requests: 5 } })));
    const unknown = await runInDurableObject(
      stub,
      restartWith({}, (g) => g.view(T0 + 5000)),
    );
    expect(unknown.requests).toBe(0);
    await runInDurableObject(stub, write("account", JSON.stringify({ v: 1, data: { requests: "five" } })));
    await runInDurableObject(stub, write("override", "{not json"));
    const invalid = await runInDurableObject(
      stub,
      restartWith({}, (g) => g.view(T0 + 5000)),
    );
    expect(invalid.requests).toBe(0);
    expect(invalid.override).toEqual({ override: null, graceUntil: null });
    const events = errors.mock.calls.map((c) => JSON.parse(String(c[0])).event);
    expect(events).toEqual(expect.arrayContaining(["meta_unknown_version", "meta_invalid", "meta_decode_failed"]));
  });

  it("keeps an account's model record and shadow entry over a restart; a row without them, or with a malformed record, still loads", async () => {
    const id = "e".repeat(32);
    const stub = env.ACCOUNT_GUARD.getByName(id);
    for (let i = 0; i < 4; i++) await stub.observe({ ...accountObservation(T0 + i * 1000), model: i < 3 ? "old-model" : "new-model" });
    await stub.setOverride({ list: "shadow", limits: {}, reason: "watch", until: null, setAt: T0 });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const restarted = await runInDurableObject(
      stub,
      restartWith({}, (g) => g.view(T0 + 5000)),
    );
    expect(restarted.models).toEqual([
      { model: "new-model", firstSeen: T0 + 3000, lastSeen: T0 + 3000, requests: 1 },
      { model: "old-model", firstSeen: T0, lastSeen: T0 + 2000, requests: 3 },
    ]);
    expect(restarted.override.override?.list).toBe("shadow");

    const rewrite = (change: (data: Record<string, unknown>) => void) => (_i: AccountGuard, state: DurableObjectState) => {
      const row = state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'account'").one();
      const stored = JSON.parse(row.v) as { v: number; data: Record<string, unknown> };
      change(stored.data);
      state.storage.sql.exec("UPDATE meta SET v = ? WHERE k = 'account'", JSON.stringify(stored));
    };
    // As written before models were kept.
    await runInDurableObject(
      stub,
      rewrite((d) => delete d.models),
    );
    const older = await runInDurableObject(
      stub,
      restartWith({}, (g) => g.view(T0 + 5000)),
    );
    expect(older.requests).toBe(4);
    expect(older.models).toEqual([]);
    await runInDurableObject(
      stub,
      rewrite((d) => (d.models = [{ model: 7 }])),
    );
    const malformed = await runInDurableObject(
      stub,
      restartWith({}, (g) => g.view(T0 + 5000)),
    );
    expect(malformed.requests).toBe(4);
    expect(malformed.models).toEqual([]);
  });

  it("reads state written before versioning (a bare JSON value) as it was", async () => {
    const id = "e".repeat(32);
    const stub = env.ACCOUNT_GUARD.getByName(id);
    const legacy = { id, requests: 7, otherRequests: 1, firstSeen: T0, lastSeen: T0 + 10, tat: { requests: 0, tokens: 0 }, verdict: null, fingerprints: [] };
    await runInDurableObject(stub, (_i: AccountGuard, state) => void state.storage.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('account', ?)", JSON.stringify(legacy)));
    const view = await runInDurableObject(
      stub,
      restartWith({}, (g) => g.view(T0 + 20)),
    );
    expect(view.requests).toBe(7);
    expect(view.otherRequests).toBe(1);
  });

  it("a fingerprint shard keeps the shard count it was created with and logs a changed FP_SHARDS", async () => {
    const stub = env.FINGERPRINT_GUARD.getByName("s00000000000fade1/1");
    const prompt = randomPrompt();
    await stub.observe({ now: T0, account: [1, 2], pair: [3, 4], prompt, seen: FRESH_SINGLE });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const view = await runInDurableObject(stub, async (_i: FingerprintGuard, state) => (await started(state, () => new FingerprintGuard(state, { ...env, FP_SHARDS: "9" } as Env))).view(T0 + 1));
    expect(view.shards).toBe((await stub.view(T0 + 1)).shards);
    expect(view.requests).toBe(1);
    expect(errors.mock.calls.some((c) => String(c[0]).includes('"storage_layout_changed"') && String(c[0]).includes("FP_SHARDS"))).toBe(true);
  });
});
