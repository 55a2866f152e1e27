import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AuditLog } from "../../durable-objects/audit-log";
import { chat, freshKey, operator, send, T0 } from "../support/client";
import { accountIdOf, auditUntil, op, sweep, type AuditRowLike } from "../support/operator-flow";

const DAY = 86_400_000;

describe("audit trail", () => {
  it("records a block with its reasons and sketch figures, an override and a lift, queryable by account and time", async () => {
    const t = T0 + 30 * DAY;
    const key = freshKey("audit");
    const run = await sweep(key, t, { until: "block" });
    const id = await accountIdOf(key, run.t);
    await op("PUT", `/_guard/v1/accounts/${id}/override`, { limits: { distinctPrompts: 5000 }, reason: "larger budget" }, run.t + 1000);
    await op("POST", `/_guard/v1/accounts/${id}/lift`, { reason: "reviewed" }, run.t + 2000);

    const rows = await auditUntil(`account=${id}`, (r) => r.some((e) => e.action === "block") && r.some((e) => e.action === "lift"), run.t + 3000);
    const block = rows.find((e) => e.action === "block")!;
    expect(block).toMatchObject({ account: id, cause: "extraction", shadow: false });
    expect(block.reasons.length).toBeGreaterThan(0);
    expect(block.signals.score).toBeGreaterThan(0);
    expect(block.signals.novelty).toBeGreaterThan(0.8);
    expect(block.signals.prompts).toBeGreaterThan(10);
    expect(block.signals.requests).toBeGreaterThan(10);
    expect(rows.find((e) => e.action === "limits")).toMatchObject({ cause: "override", reasons: ["larger budget"], signals: { distinctPrompts: 5000 }, via: "operator" });
    const lift = rows.find((e) => e.action === "lift")!;
    expect(lift.reasons[0]).toBe("reviewed");
    expect(lift.reasons[1]).toMatch(/^lifted block/);
    // Newest first.
    expect(rows.map((e) => e.t)).toEqual([...rows.map((e) => e.t)].sort((a, b) => b - a));

    const none = await op<{ entries: AuditRowLike[] }>("GET", `/_guard/v1/audit?account=${id}&to=${t}`, undefined, run.t);
    expect(none.body.entries).toEqual([]);
    const window = await op<{ entries: AuditRowLike[] }>("GET", `/_guard/v1/audit?account=${id}&from=${run.t + 500}&to=${run.t + 1500}`, undefined, run.t);
    expect(window.body.entries.map((e) => e.action)).toEqual(["limits"]);
    const iso = await op<{ entries: AuditRowLike[] }>("GET", `/_guard/v1/audit?account=${id}&from=${new Date(run.t + 1500).toISOString()}`, undefined, run.t);
    expect(iso.body.entries.map((e) => e.action)).toEqual(["lift"]);
  });

  it("exports JSON Lines without keys or prompts, and pages with a cursor", async () => {
    const t = T0 + 31 * DAY;
    const key = freshKey("export");
    const run = await sweep(key, t, { until: "block" });
    const id = await accountIdOf(key, run.t);
    await auditUntil(`account=${id}`, (r) => r.some((e) => e.action === "block"), run.t);

    const res = await operator(`/_guard/v1/audit.jsonl?account=${id}`, { time: run.t });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const text = new TextDecoder().decode(await res.arrayBuffer());
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditRowLike);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.account === id)).toBe(true);
    expect(lines.map((e) => e.t)).toEqual([...lines.map((e) => e.t)].sort((a, b) => a - b));
    expect(text).not.toContain(key);
    expect(text).not.toContain("Explain");

    const first = await op<{ entries: AuditRowLike[]; next: string }>("GET", `/_guard/v1/audit?account=${id}&limit=1`, undefined, run.t);
    expect(first.body.entries.length).toBe(1);
    expect(first.body.next).toMatch(/^\d+:\d+$/);
    const second = await op<{ entries: AuditRowLike[] }>("GET", `/_guard/v1/audit?account=${id}&limit=1&after=${first.body.next}`, undefined, run.t);
    expect(second.body.entries[0]!.id).not.toBe(first.body.entries[0]!.id);
    expect(second.body.entries[0]!.t).toBeLessThanOrEqual(first.body.entries[0]!.t);

    for (const q of ["limit=0", "limit=5000", "from=yesterday", "account=nope", "after=x"]) {
      expect((await operator(`/_guard/v1/audit?${q}`)).status, q).toBe(400);
    }
  });

  it("coalesces rate throttles: one entry per account per limit period", async () => {
    const t = T0 + 32 * DAY;
    const key = freshKey("rate");
    let refused = 0;
    for (let i = 0; i < 130; i++) {
      const res = await send("/v1/chat/completions", chat(`hello ${i % 3}`), { key, time: t + i * 10 });
      await res.arrayBuffer();
      if (res.status === 429) refused++;
    }
    expect(refused).toBeGreaterThan(20);
    const id = await accountIdOf(key, t);
    const rows = await auditUntil(`account=${id}`, (r) => r.length > 0, t + 2000);
    const rate = rows.filter((e) => e.cause === "rate");
    expect(rate.length).toBe(1);
    expect(rate[0]).toMatchObject({ action: "throttle", reasons: ["request rate limit"], signals: { quota: 100, periodS: 60 } });
  });

  it("records a fingerprint deny-list by fingerprint, and deletes entries older than the retention on its alarm", async () => {
    const t = T0 + 33 * DAY;
    const fp = "n00000000000000aa";
    await op("PUT", `/_guard/v1/fingerprints/${fp}/override`, { list: "deny", reason: "proxy pool" }, t);
    const rows = await auditUntil(`fingerprint=${fp}`, (r) => r.length > 0, t);
    expect(rows[0]).toMatchObject({ fingerprint: fp, account: null, action: "deny-list", cause: "override", reasons: ["proxy pool"] });

    const log = env.AUDIT_LOG.getByName("global");
    const old = {
      t: t - 200 * DAY,
      account: "f".repeat(32),
      fingerprint: null,
      action: "block" as const,
      cause: "extraction" as const,
      reasons: ["old"],
      signals: {},
      until: null,
      shadow: false,
      via: null,
    };
    await log.record(old);
    await log.record({ ...old, t: t + DAY, reasons: ["newest"] });
    expect(await runDurableObjectAlarm(log)).toBe(true);
    const left = await runInDurableObject(log, async (_i: AuditLog, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM audit WHERE reasons = '[\"old\"]'").one().n);
    expect(left).toBe(0);
    // Test mode measures retention from the newest entry, so entries within 90 days of it stay.
    const kept = await op<{ entries: AuditRowLike[] }>("GET", `/_guard/v1/audit?from=${t}`, undefined, t);
    expect(kept.body.entries.map((e) => e.reasons[0])).toEqual(["newest", "proxy pool"]);
    expect(await runInDurableObject(log, async (_i: AuditLog, state) => (await state.storage.getAlarm()) !== null)).toBe(true);
  });
});
