import { describe, expect, it } from "vitest";
import { chat, freshKey, send, T0 } from "../support/client";
import { debugOf } from "../support/debug";
import { accountIdOf, auditUntil, op, sweep } from "../support/operator-flow";

describe("shadow-mode report for operators", () => {
  it("records what enforcement would have done in the audit trail, the flagged list and the account view", async () => {
    const key = freshKey("shadow-op");
    const run = await sweep(key, T0, { max: 120 });
    expect(run.status).toBe(200);
    expect(run.last.shadow?.action).toBe("block");
    const id = await accountIdOf(key, run.t);

    const rows = await auditUntil(`account=${id}`, (r) => r.some((e) => e.action === "block"), run.t);
    expect(rows.filter((e) => e.cause === "extraction").every((e) => e.shadow)).toBe(true);
    const flagged = await op<{ accounts: { id: string; action: string; shadow: boolean }[] }>("GET", "/_guard/v1/flagged", undefined, run.t);
    expect(flagged.body.accounts.find((a) => a.id === id)).toMatchObject({ action: "block", shadow: true });
    const view = await op<{ verdict: { action: string } }>("GET", `/_guard/v1/accounts/${id}`, undefined, run.t);
    expect(view.body.verdict.action).toBe("block");
    const status = await op<{ mode: string }>("GET", "/_guard/v1/status", undefined, run.t);
    expect(status.body.mode).toBe("shadow");
  });

  it("still enforces an operator's deny entry: it is a decision, not a detection", async () => {
    const key = freshKey("shadow-deny");
    await (await send("/v1/chat/completions", chat("hi"), { key, time: T0 })).arrayBuffer();
    const id = await accountIdOf(key, T0);
    await op("PUT", `/_guard/v1/accounts/${id}/override`, { list: "deny", reason: "confirmed reseller" }, T0);
    const res = await send("/v1/chat/completions", chat("hi again"), { key, time: T0 + 1000 });
    expect(res.status).toBe(403);
    expect(debugOf(res)?.cause).toBe("override");
  });
});
