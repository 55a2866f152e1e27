/**
 * The registry and the audit log spread over REGISTRY_SHARDS objects: whatever shard an entry lands
 * on, the operator API lists it, in order; a write repeated after a lost answer records one entry; a
 * changed shard count is refused and logged; and what the single pre-sharding object ("global")
 * holds is still listed, and still cleared by a lift.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AuditEntry } from "../../durable-objects/audit";
import { AuditLog } from "../../durable-objects/audit-log";
import { auditLog, auditOver } from "../../durable-objects/audit-shards";
import { operatorShardName, subjectShard } from "../../durable-objects/operator-shards";
import { guardRegistry, type FlagReport } from "../../durable-objects/registry";
import { registryOver } from "../../durable-objects/registry-shards";
import { operator, T0 } from "../support/client";
import { op, type AuditRowLike } from "../support/operator-flow";

const DAY = 86_400_000;
const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");
const accountOn = (shard: number | "any", shards: number, not?: number): string => {
  for (;;) {
    const id = hex(16);
    const s = subjectShard(id, shards);
    if ((shard === "any" || s === shard) && s !== not) return id;
  }
};

function flag(id: string, since: number, action: FlagReport["action"] = "block"): FlagReport {
  return { kind: "account", id, action, reasons: [`flagged at ${since}`], since, until: since + 30 * DAY, shadow: false };
}

function entry(account: string, t: number, reason: string): AuditEntry {
  return { t, account, fingerprint: null, action: "throttle", cause: "extraction", reasons: [reason], signals: {}, until: null, shadow: false, via: null };
}

type Flagged = { accounts: { id: string; action: string; reasons: string[] }[] };

async function flaggedIds(ids: Set<string>, time: number): Promise<string[]> {
  const res = await operator("/_guard/v1/flagged", { time });
  expect(res.status).toBe(200);
  return ((await res.json()) as Flagged).accounts.filter((a) => ids.has(a.id)).map((a) => a.id);
}

describe("operator shards", () => {
  afterEach(() => vi.restoreAllMocks());

  it("lists flagged subjects from every shard, most recent first", async () => {
    const shards = await guardRegistry(env).shards();
    expect(shards).toBeGreaterThan(1);
    const t = T0 + 400 * DAY;
    // Three subjects per shard, reported in an order that interleaves the shards.
    const ids = Array.from({ length: 3 * shards }, (_, k) => accountOn(k % shards, shards));
    const registry = guardRegistry(env);
    await Promise.all(ids.map((id, k) => registry.report(flag(id, t + k * 1000))));
    for (let s = 0; s < shards; s++) {
      const own = await env.GUARD_REGISTRY.getByName(operatorShardName(s)).flagged(t + DAY);
      expect(own.accounts.map((a) => a.id).filter((id) => ids.includes(id))).toHaveLength(3);
    }
    expect(await flaggedIds(new Set(ids), t + DAY)).toEqual([...ids].reverse());
  });

  it("merges the audit query and the JSON Lines export across shards in time order, paging exactly", async () => {
    const shards = await auditLog(env).shards();
    const t = T0 + 410 * DAY;
    const log = auditLog(env);
    const written: { id: number; t: number; reason: string }[] = [];
    // Eight entries per shard; pairs share a millisecond across two shards, so ties need the id order.
    for (let k = 0; k < 8 * shards; k++) {
      const at = t + Math.floor(k / 2) * 1000;
      const reason = `entry ${k}`;
      written.push({ id: await log.record(entry(accountOn(k % shards, shards), at, reason)), t: at, reason });
    }
    const newest = [...written].sort((a, b) => b.t - a.t || b.id - a.id).map((w) => w.reason);
    const window = `from=${t}&to=${t + DAY}`;
    const pages: string[] = [];
    let after = "";
    for (let i = 0; i < 100; i++) {
      const page = await op<{ entries: AuditRowLike[]; next: string | null }>("GET", `/_guard/v1/audit?${window}&limit=3${after}`, undefined, t);
      expect(page.status).toBe(200);
      pages.push(...page.body.entries.map((e) => e.reasons[0]!));
      if (page.body.next === null) break;
      expect(page.body.next).toMatch(/^\d{1,16}:\d{1,16}$/);
      after = `&after=${page.body.next}`;
    }
    expect(pages).toEqual(newest);

    const res = await operator(`/_guard/v1/audit.jsonl?${window}`, { time: t });
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditRowLike);
    expect(lines.map((e) => e.reasons[0])).toEqual([...newest].reverse());
    expect(new Set(lines.map((e) => e.id)).size).toBe(lines.length);
  });

  it("records a write repeated after a lost answer once, on the audit log and the registry", async () => {
    const t = T0 + 420 * DAY;
    // Each shard's first call lands, then its answer is lost: the router repeats it.
    const lost = new Set<string>();
    const lossy = <T extends object>(shard: string, stub: T): T => {
      return new Proxy(stub, {
        get(target, method) {
          return async (...args: unknown[]) => {
            const out = await (target as Record<string | symbol, (...a: unknown[]) => Promise<unknown>>)[method]!(...args);
            if (!lost.has(shard)) {
              lost.add(shard);
              throw new Error("network connection lost");
            }
            return out;
          };
        },
      });
    };
    const shards = await auditLog(env).shards();
    const log = auditOver(
      (i) => lossy(`audit ${i}`, env.AUDIT_LOG.getByName(operatorShardName(i))),
      async () => shards,
    );
    const account = accountOn("any", shards);
    const id = await log.record(entry(account, t, "once"));
    const rows = await op<{ entries: AuditRowLike[] }>("GET", `/_guard/v1/audit?account=${account}`, undefined, t);
    expect(rows.body.entries.map((e) => [e.id, e.reasons[0]])).toEqual([[id, "once"]]);
    // The same key sent again, as a caller's own retry would: still one entry.
    await auditLog(env).record({ ...entry(account, t, "once"), key: "retry-key-1" });
    await auditLog(env).record({ ...entry(account, t, "once"), key: "retry-key-1" });
    expect((await op<{ entries: AuditRowLike[] }>("GET", `/_guard/v1/audit?account=${account}`, undefined, t)).body.entries).toHaveLength(2);

    const registry = registryOver(
      (i) => lossy(`registry ${i}`, env.GUARD_REGISTRY.getByName(operatorShardName(i))),
      async () => shards,
    );
    await registry.report(flag(account, t));
    expect(await flaggedIds(new Set([account]), t + 1000)).toEqual([account]);
    expect([...lost].sort()).toEqual([`audit ${subjectShard(account, shards)}`, `registry ${subjectShard(account, shards)}`]);
  });

  it("keeps the recorded shard count when REGISTRY_SHARDS changes, and logs it", async () => {
    const recorded = await guardRegistry(env).shards();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const changed = { ...env, REGISTRY_SHARDS: String(recorded + 3) } as Env;
    expect(await guardRegistry(changed).shards()).toBe(recorded);
    expect(await auditLog(changed).shards()).toBe(await auditLog(env).shards());
    const logged = errors.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('"storage_layout_changed"') && l.includes("REGISTRY_SHARDS"));
    expect(logged.length).toBe(2);
    expect(JSON.parse(logged[0]!)).toMatchObject({ stored: recorded, configured: recorded + 3 });
    // Routed by the recorded count: a report through the changed config is listed and cleared as before.
    const t = T0 + 430 * DAY;
    const id = accountOn("any", recorded);
    await guardRegistry(changed).report(flag(id, t));
    expect((await env.GUARD_REGISTRY.getByName(operatorShardName(subjectShard(id, recorded))).flagged(t + 1)).accounts.map((a) => a.id)).toContain(id);
  });

  it("still lists, and clears on a lift, what the pre-sharding object holds", async () => {
    const shards = await guardRegistry(env).shards();
    const t = T0 + 440 * DAY;
    const id = accountOn("any", shards, 0);
    const legacy = env.GUARD_REGISTRY.getByName("global");
    await legacy.report(flag(id, t));
    await legacy.setOverride({ kind: "account", id, override: { list: "deny", limits: {}, until: null, reason: "old", setAt: t }, graceUntil: null, updated: t });
    await env.AUDIT_LOG.getByName("global").record(entry(id, t, "written before sharding"));

    expect(await flaggedIds(new Set([id]), t + 1000)).toEqual([id]);
    const audit = await op<{ entries: AuditRowLike[] }>("GET", `/_guard/v1/audit?account=${id}`, undefined, t + 1000);
    expect(audit.body.entries.map((e) => e.reasons[0])).toEqual(["written before sharding"]);
    const listed = await op<{ accounts: { id: string }[] }>("GET", "/_guard/v1/overrides", undefined, t + 1000);
    expect(listed.body.accounts.map((a) => a.id)).toContain(id);

    expect((await op("POST", `/_guard/v1/accounts/${id}/lift`, { reason: "reviewed" }, t + 2000)).status).toBe(200);
    expect(await flaggedIds(new Set([id]), t + 3000)).toEqual([]);
    // The lift's listing (the account's own override: none) replaced the old object's deny entry.
    expect((await legacy.overrides(t + 3000, true)).map((l) => l.id)).not.toContain(id);
    const after = await op<{ accounts: { id: string; override: unknown }[] }>("GET", "/_guard/v1/overrides?all=true", undefined, t + 3000);
    expect(after.body.accounts.filter((a) => a.id === id)).toEqual([expect.objectContaining({ id, override: null })]);
  });

  it("adds the key column to an audit table from before idempotent writes, keeping its rows", async () => {
    const stub = env.AUDIT_LOG.getByName("pre-key-schema");
    const rows = await runInDurableObject(stub, async (_i: AuditLog, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE audit");
      sql.exec(`CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, t INTEGER NOT NULL, account TEXT, fingerprint TEXT,
        action TEXT NOT NULL, cause TEXT NOT NULL, reasons TEXT NOT NULL, signals TEXT NOT NULL, until INTEGER, shadow INTEGER NOT NULL, via TEXT)`);
      sql.exec("INSERT INTO audit (t, action, cause, reasons, signals, shadow) VALUES (?, 'block', 'extraction', '[\"old\"]', '{}', 0)", T0);
      const log = new AuditLog(state, env);
      await log.record({ ...entry("a".repeat(32), T0 + 1, "new"), key: "k" });
      await log.record({ ...entry("a".repeat(32), T0 + 1, "new"), key: "k" });
      return (await log.query({ limit: 10, order: "asc" })).entries.map((e) => e.reasons[0]);
    });
    expect(rows).toEqual(["old", "new"]);
  });
});
