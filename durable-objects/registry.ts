/**
 * Where flagged subjects and override listings are kept for the operator API: one shard of
 * GUARD_REGISTRY (durable-objects/registry-shards.ts routes a subject to its shard and merges reads).
 * Subjects report only when their verdict changes, so a shard sees a trickle, never the request stream.
 */
import { DurableObject } from "cloudflare:workers";
import { configFor } from "../core/config";
import type { Action } from "../core/policy";
import type { FlaggedSubject } from "../core/campaigns/group";
import { severity } from "../core/verdict";
import { settleShardCount } from "./operator-shards";
import { createOverrideIndex, listOverrides, putOverride, shadowedSubjects, type OverrideListing } from "./override-index";

export { guardRegistry, type Registry } from "./registry-shards";

/** What a guard object reports to the registry: one flagged subject (core/campaigns/group.ts). */
export type FlagReport = FlaggedSubject;

export interface FlaggedEntry extends FlagReport {
  updated: number;
}

interface Row extends Record<string, SqlStorageValue> {
  kind: string;
  id: string;
  action: string;
  reasons: string;
  since: number;
  until: number | null;
  shadow: number;
  via: string | null;
  updated: number;
}

/** Whether a stored entry, still active when `r` was reached, is more severe than `r` or as severe and lasting longer. */
function outranks(action: Action, until: number | null, r: FlagReport): boolean {
  if (action === "allow" || (until !== null && until <= r.since)) return false;
  if (severity(action) !== severity(r.action)) return severity(action) > severity(r.action);
  return r.until !== null && (until === null || until > r.until);
}

export class GuardRegistry extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS flagged (kind TEXT NOT NULL, id TEXT NOT NULL, action TEXT NOT NULL, reasons TEXT NOT NULL,
        since INTEGER NOT NULL, until INTEGER, shadow INTEGER NOT NULL, via TEXT, updated INTEGER NOT NULL, PRIMARY KEY (kind, id))`,
    );
    createOverrideIndex(ctx.storage.sql);
  }

  /** Shard 0 only: the recorded REGISTRY_SHARDS (recorded now if none is). */
  async layout(configured: number = configFor(this.env).REGISTRY_SHARDS): Promise<number> {
    return settleShardCount(this.ctx.storage.sql, configured, "REGISTRY_SHARDS");
  }

  async setOverride(e: OverrideListing): Promise<void> {
    putOverride(this.ctx.storage.sql, e);
  }

  async overrides(now: number, all = false): Promise<OverrideListing[]> {
    return listOverrides(this.ctx.storage.sql, now, all);
  }

  /** Accounts whose active verdict was adopted from this fingerprint, for a lift that cascades. */
  async adoptedFrom(fingerprint: string, now: number): Promise<string[]> {
    return this.ctx.storage.sql
      .exec<{ id: string }>("SELECT id FROM flagged WHERE kind = 'account' AND via = ? AND (until IS NULL OR until > ?) LIMIT 1000", fingerprint, now)
      .toArray()
      .map((r) => r.id);
  }

  /**
   * Keeps, per subject, the most severe entry still active at the report's time. A subject's own
   * verdict only escalates while active, but a fingerprint's FP_SHARDS shards each report under the
   * same id: a shard's later throttle must not replace another shard's block.
   */
  async report(r: FlagReport): Promise<void> {
    const kept = this.ctx.storage.sql.exec<Pick<Row, "action" | "until">>("SELECT action, until FROM flagged WHERE kind = ? AND id = ?", r.kind, r.id).toArray()[0];
    if (kept && outranks(kept.action as Action, kept.until, r)) return;
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO flagged (kind, id, action, reasons, since, until, shadow, via, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      r.kind,
      r.id,
      r.action,
      JSON.stringify(r.reasons),
      r.since,
      r.until,
      r.shadow ? 1 : 0,
      r.via ?? null,
      r.since,
    );
  }

  /** Removes a subject from the list (an operator lifted its verdict). */
  async clear(kind: FlagReport["kind"], id: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM flagged WHERE kind = ? AND id = ?", kind, id);
  }

  /** Subjects whose throttle or block is active at `now`, most recent first. */
  async flagged(now: number, limit = 500): Promise<{ accounts: FlaggedEntry[]; fingerprints: FlaggedEntry[] }> {
    const rows = this.ctx.storage.sql
      .exec<Row>("SELECT * FROM flagged WHERE action != 'allow' AND (until IS NULL OR until > ?) AND since <= ? ORDER BY updated DESC LIMIT ?", now, now, limit * 2)
      .toArray();
    // A verdict reached before its subject's shadow entry was set is listed as shadow while the entry lasts.
    const watched = rows.length ? shadowedSubjects(this.ctx.storage.sql, now) : new Set<string>();
    const entries = rows.map(
      (r): FlaggedEntry => ({
        kind: r.kind as FlagReport["kind"],
        id: r.id,
        action: r.action as Action,
        reasons: JSON.parse(r.reasons) as string[],
        since: r.since,
        until: r.until,
        shadow: r.shadow === 1 || watched.has(`${r.kind}:${r.id}`),
        ...(r.via ? { via: r.via } : {}),
        updated: r.updated,
      }),
    );
    return {
      accounts: entries.filter((e) => e.kind === "account").slice(0, limit),
      fingerprints: entries.filter((e) => e.kind === "fingerprint").slice(0, limit),
    };
  }
}
