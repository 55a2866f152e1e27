/**
 * The audit trail: SQLite-backed objects, one per shard (durable-objects/audit-shards.ts routes an
 * entry to its subject's shard and merges reads in time order), that keep every verdict transition,
 * coalesced rate throttle and operator action for AUDIT_RETENTION_DAYS. Subjects write only on
 * transitions, so a shard sees a trickle. An alarm deletes old rows once a day.
 *
 * An entry may carry a key: a write repeated with the same key (a retry whose answer was lost)
 * records it once.
 *
 * Retention is measured from the wall clock, except in test mode, where it is measured from the
 * newest entry: replayed traffic carries its own (past) times and would otherwise expire at once.
 */
import { DurableObject } from "cloudflare:workers";
import { configFor, type Config } from "../core/config";
import type { AuditEntry, AuditRow } from "./audit";
import { settleShardCount } from "./operator-shards";

const DAY_MS = 86_400_000;
export const AUDIT_PAGE_MAX = 1000;

export interface AuditQuery {
  account?: string;
  fingerprint?: string;
  /** Inclusive lower and exclusive upper bound on `t`, ms. */
  from?: number;
  to?: number;
  limit: number;
  /** Keyset cursor `t:id`: entries strictly after it in the query's order. */
  after?: string;
  order: "asc" | "desc";
}

export interface AuditPage {
  entries: AuditRow[];
  /** Pass as `after` for the next page; null when this page is the last. */
  next: string | null;
}

interface Row extends Record<string, SqlStorageValue> {
  id: number;
  t: number;
  account: string | null;
  fingerprint: string | null;
  action: string;
  cause: string;
  reasons: string;
  signals: string;
  until: number | null;
  shadow: number;
  via: string | null;
  uid: string | null;
}

export class AuditLog extends DurableObject<Env> {
  private readonly cfg: Config;
  private alarmChecked = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.cfg = configFor(env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, t INTEGER NOT NULL, account TEXT, fingerprint TEXT,
      action TEXT NOT NULL, cause TEXT NOT NULL, reasons TEXT NOT NULL, signals TEXT NOT NULL, until INTEGER, shadow INTEGER NOT NULL, via TEXT)`);
    sql.exec("CREATE INDEX IF NOT EXISTS audit_t ON audit (t, id)");
    sql.exec("CREATE INDEX IF NOT EXISTS audit_account ON audit (account, t, id)");
    sql.exec("CREATE INDEX IF NOT EXISTS audit_fingerprint ON audit (fingerprint, t, id)");
    // A log from before idempotent writes has no key column; its entries keep none.
    if (!sql.exec("SELECT * FROM audit LIMIT 0").columnNames.includes("uid")) sql.exec("ALTER TABLE audit ADD COLUMN uid TEXT");
    sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS audit_uid ON audit (uid)");
  }

  /** Shard 0 only: the recorded REGISTRY_SHARDS (recorded now if none is). */
  async layout(configured: number = this.cfg.REGISTRY_SHARDS): Promise<number> {
    return settleShardCount(this.ctx.storage.sql, configured, "REGISTRY_SHARDS");
  }

  /** Records `e` and returns its id here; an entry already recorded under `e.key` is not written again. */
  async record(e: AuditEntry): Promise<number> {
    const sql = this.ctx.storage.sql;
    const cursor = sql.exec<{ id: number }>(
      "INSERT INTO audit (t, account, fingerprint, action, cause, reasons, signals, until, shadow, via, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO NOTHING RETURNING id",
      e.t,
      e.account,
      e.fingerprint,
      e.action,
      e.cause,
      JSON.stringify(e.reasons),
      JSON.stringify(e.signals),
      e.until,
      e.shadow ? 1 : 0,
      e.via,
      e.key ?? null,
    );
    const id = cursor.toArray()[0]?.id ?? sql.exec<{ id: number }>("SELECT id FROM audit WHERE uid = ?", e.key ?? null).one().id;
    await this.armRetention();
    return id;
  }

  async query(q: AuditQuery): Promise<AuditPage> {
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    if (q.account !== undefined) {
      where.push("account = ?");
      args.push(q.account);
    }
    if (q.fingerprint !== undefined) {
      where.push("fingerprint = ?");
      args.push(q.fingerprint);
    }
    if (q.from !== undefined) {
      where.push("t >= ?");
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push("t < ?");
      args.push(q.to);
    }
    const desc = q.order === "desc";
    if (q.after) {
      const [t, id] = q.after.split(":").map(Number) as [number, number];
      where.push(desc ? "(t < ? OR (t = ? AND id < ?))" : "(t > ? OR (t = ? AND id > ?))");
      args.push(t, t, id);
    }
    const limit = Math.max(1, Math.min(AUDIT_PAGE_MAX, q.limit));
    const dir = desc ? "DESC" : "ASC";
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY t ${dir}, id ${dir} LIMIT ?`;
    const rows = this.ctx.storage.sql.exec<Row>(sql, ...args, limit + 1).toArray();
    const entries = rows.slice(0, limit).map(toEntry);
    const last = entries[entries.length - 1];
    return { entries, next: rows.length > limit && last ? `${last.t}:${last.id}` : null };
  }

  /** Deletes entries older than the retention; returns how many. */
  async prune(): Promise<number> {
    const sql = this.ctx.storage.sql;
    const newest = sql.exec<{ t: number | null }>("SELECT MAX(t) AS t FROM audit").one().t;
    const reference = this.cfg.GUARD_TEST_MODE ? (newest ?? 0) : Date.now();
    return sql.exec("DELETE FROM audit WHERE t < ?", reference - this.cfg.AUDIT_RETENTION_DAYS * DAY_MS).rowsWritten;
  }

  override async alarm(): Promise<void> {
    const deleted = await this.prune();
    if (deleted > 0) console.log(JSON.stringify({ event: "audit_pruned", deleted }));
    const left = this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM audit").one().n;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + DAY_MS);
    else this.alarmChecked = false;
  }

  private async armRetention(): Promise<void> {
    if (this.alarmChecked) return;
    this.alarmChecked = true;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + DAY_MS);
  }
}

function toEntry(r: Row): AuditRow {
  return {
    id: r.id,
    t: r.t,
    account: r.account,
    fingerprint: r.fingerprint,
    action: r.action as AuditRow["action"],
    cause: r.cause as AuditRow["cause"],
    reasons: JSON.parse(r.reasons) as string[],
    signals: JSON.parse(r.signals) as Record<string, number>,
    until: r.until,
    shadow: r.shadow === 1,
    via: r.via,
  };
}
