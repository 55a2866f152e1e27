/**
 * Operator overrides and lifts. The subject's own object (each shard, for a fingerprint) keeps the
 * override that takes effect, so a request still costs one round trip per subject; the registry
 * keeps a listing, and the audit trail a record. Writes go to the subject first: when a later step
 * fails the call answers an error, and repeating it is harmless.
 */
import type { IRequest, RouterType } from "itty-router";
import type { Override, OverrideRecord } from "../core/override";
import { auditLog, type AuditAction, type AuditEntry } from "../durable-objects/audit";
import { fingerprintShardName } from "../durable-objects/protocol";
import { guardRegistry as registry } from "../durable-objects/registry";
import type { GuardContext } from "./context";
import { json } from "./operator-json";
import { jsonBody, optionalReason, parseLift, parseOverride } from "./override-body";
import { accountId, fingerprintId } from "./subject-ids";

type Args = [Env, ExecutionContext, GuardContext];
type Kind = "account" | "fingerprint";

const audit = (env: Env, e: AuditEntry) => auditLog(env).record(e);

/**
 * A fingerprint's shards, for an operator's change. The change also drops this isolate's cached
 * verdict of it, so it applies here at once; other isolates take it up within FP_VERDICT_TTL_S.
 */
function shards(env: Env, gc: GuardContext, id: string) {
  gc.verdicts.forget(id);
  return Array.from({ length: gc.cfg.FP_SHARDS }, (_, s) => env.FINGERPRINT_GUARD.getByName(fingerprintShardName(id, s)));
}

function subject(kind: Kind, id: string) {
  return kind === "account" ? { account: id, fingerprint: null } : { account: null, fingerprint: id };
}

function overrideAction(o: Override | null): AuditAction {
  if (o === null) return "clear-override";
  return o.list === "allow" ? "allow-list" : o.list === "deny" ? "deny-list" : o.list === "shadow" ? "shadow" : "limits";
}

/** `via` names who acted: `operator`, or `campaign:<id>` for one action on a whole campaign. */
export async function applyOverride(env: Env, gc: GuardContext, kind: Kind, id: string, o: Override | null, now: number, reason: string, via = "operator"): Promise<OverrideRecord> {
  let rec: OverrideRecord;
  if (kind === "account") rec = await env.ACCOUNT_GUARD.getByName(id).setOverride(o);
  else rec = (await Promise.all(shards(env, gc, id).map((stub) => stub.setOverride(o))))[0]!;
  await registry(env).setOverride({ kind, id, override: rec.override, graceUntil: rec.graceUntil, updated: now });
  if (o?.list === "allow") await registry(env).clear(kind, id);
  const signals: Record<string, number> = { ...(o?.limits ?? {}) };
  await audit(env, { t: now, ...subject(kind, id), action: overrideAction(o), cause: "override", reasons: reason ? [reason] : [], signals, until: o?.until ?? null, shadow: false, via });
  // Accounts blocked only for an allow-listed fingerprint's verdict are released; their own traffic is judged as before.
  if (kind === "fingerprint" && o?.list === "allow") {
    for (const a of await registry(env).adoptedFrom(id, now)) await lift(env, gc, "account", a, now, reason, 0, `fingerprint:${id}`);
  }
  return rec;
}

export async function lift(env: Env, gc: GuardContext, kind: Kind, id: string, now: number, reason: string, graceS: number, via = "operator") {
  const graceUntil = graceS > 0 ? now + graceS * 1000 : null;
  let lifted: { action: string; reasons: string[] } | null;
  let rec: OverrideRecord;
  if (kind === "account") {
    ({ lifted, record: rec } = await env.ACCOUNT_GUARD.getByName(id).lift(now, graceUntil));
  } else {
    const all = await Promise.all(shards(env, gc, id).map((stub) => stub.lift(now, graceUntil)));
    lifted = all.find((r) => r.lifted?.action === "block")?.lifted ?? all.find((r) => r.lifted !== null)?.lifted ?? null;
    rec = all[0]!.record;
  }
  await registry(env).clear(kind, id);
  await registry(env).setOverride({ kind, id, override: rec.override, graceUntil, updated: now });
  const reasons = [reason, ...(lifted ? [`lifted ${lifted.action}: ${lifted.reasons.join("; ")}`] : ["no active verdict"])];
  await audit(env, { t: now, ...subject(kind, id), action: "lift", cause: "override", reasons, signals: { graceS }, until: graceUntil, shadow: gc.cfg.GUARD_MODE === "shadow", via });
  return { lifted, override: rec.override, graceUntil };
}

/** A fingerprint's lift also lifts the accounts that adopted its verdict: they were blocked for it. */
export async function liftFingerprint(env: Env, gc: GuardContext, id: string, now: number, reason: string, graceS: number, via = "operator") {
  const own = await lift(env, gc, "fingerprint", id, now, reason, graceS, via);
  const accounts = await registry(env).adoptedFrom(id, now);
  for (const a of accounts) await lift(env, gc, "account", a, now, reason, graceS, `fingerprint:${id}`);
  return { ...own, accounts };
}

export function overrideRoutes(router: RouterType<IRequest, Args>): void {
  router
    .put("/accounts/:id/override", async (req, env, _ctx, gc) => {
      const id = accountId(req.params.id);
      const o = parseOverride(await jsonBody(req), req.now as number, "account");
      return json({ kind: "account", id, ...(await applyOverride(env, gc, "account", id, o, req.now as number, o.reason)) });
    })
    .delete("/accounts/:id/override", async (req, env, _ctx, gc) => {
      const id = accountId(req.params.id);
      const reason = optionalReason(await jsonBody(req, true));
      return json({ kind: "account", id, ...(await applyOverride(env, gc, "account", id, null, req.now as number, reason)) });
    })
    .post("/accounts/:id/lift", async (req, env, _ctx, gc) => {
      const id = accountId(req.params.id);
      const { reason, graceS } = parseLift(await jsonBody(req), gc.cfg.DETECTION_WINDOW_S);
      return json({ kind: "account", id, ...(await lift(env, gc, "account", id, req.now as number, reason, graceS)) });
    })
    .put("/fingerprints/:id/override", async (req, env, _ctx, gc) => {
      const id = fingerprintId(req.params.id);
      const o = parseOverride(await jsonBody(req), req.now as number, "fingerprint");
      return json({ kind: "fingerprint", id, ...(await applyOverride(env, gc, "fingerprint", id, o, req.now as number, o.reason)) });
    })
    .delete("/fingerprints/:id/override", async (req, env, _ctx, gc) => {
      const id = fingerprintId(req.params.id);
      const reason = optionalReason(await jsonBody(req, true));
      return json({ kind: "fingerprint", id, ...(await applyOverride(env, gc, "fingerprint", id, null, req.now as number, reason)) });
    })
    .post("/fingerprints/:id/lift", async (req, env, _ctx, gc) => {
      const id = fingerprintId(req.params.id);
      const { reason, graceS } = parseLift(await jsonBody(req), gc.cfg.FINGERPRINT_WINDOW_S);
      return json({ kind: "fingerprint", id, ...(await liftFingerprint(env, gc, id, req.now as number, reason, graceS)) });
    })
    .get("/overrides", async (req, env) => {
      const all = new URL(req.url).searchParams.get("all") === "true";
      const list = await registry(env).overrides(req.now as number, all);
      return json({ accounts: list.filter((l) => l.kind === "account"), fingerprints: list.filter((l) => l.kind === "fingerprint") });
    });
}
