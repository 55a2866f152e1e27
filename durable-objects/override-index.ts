/**
 * The list of overrides, kept by the registry so operators can see them all in one call. The subject
 * objects hold the copies that take effect; this index only lists them.
 */
import type { Override } from "../core/override";

export interface OverrideListing {
  kind: "account" | "fingerprint";
  id: string;
  override: Override | null;
  graceUntil: number | null;
  updated: number;
}

interface Row extends Record<string, SqlStorageValue> {
  kind: string;
  id: string;
  body: string | null;
  grace_until: number | null;
  until: number | null;
  updated: number;
}

export function createOverrideIndex(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS overrides (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT, grace_until INTEGER,
    until INTEGER, updated INTEGER NOT NULL, PRIMARY KEY (kind, id))`);
}

/** Writes one subject's entry; a subject with neither override nor grace is removed. */
export function putOverride(sql: SqlStorage, e: OverrideListing): void {
  if (e.override === null && e.graceUntil === null) {
    sql.exec("DELETE FROM overrides WHERE kind = ? AND id = ?", e.kind, e.id);
    return;
  }
  sql.exec(
    "INSERT OR REPLACE INTO overrides (kind, id, body, grace_until, until, updated) VALUES (?, ?, ?, ?, ?, ?)",
    e.kind,
    e.id,
    e.override ? JSON.stringify(e.override) : null,
    e.graceUntil,
    e.override?.until ?? null,
    e.updated,
  );
}

/** Entries in force at `now` (an override or a grace), or all of them; most recent first. */
export function listOverrides(sql: SqlStorage, now: number, all: boolean, limit = 1000): OverrideListing[] {
  const rows = all
    ? sql.exec<Row>("SELECT * FROM overrides ORDER BY updated DESC LIMIT ?", limit)
    : sql.exec<Row>(
        `SELECT * FROM overrides WHERE (body IS NOT NULL AND (until IS NULL OR until > ?)) OR grace_until > ?
         ORDER BY updated DESC LIMIT ?`,
        now,
        now,
        limit,
      );
  return rows.toArray().map((r) => {
    const override = r.body ? (JSON.parse(r.body) as Override) : null;
    const live = override && (override.until === null || override.until > now);
    return {
      kind: r.kind as OverrideListing["kind"],
      id: r.id,
      override: all || live ? override : null,
      graceUntil: r.grace_until,
      updated: r.updated,
    };
  });
}

/** `kind:id` of the subjects under a shadow entry at `now`: their flags are marked shadow when listed. */
export function shadowedSubjects(sql: SqlStorage, now: number): Set<string> {
  const rows = sql.exec<{ kind: string; id: string }>("SELECT kind, id FROM overrides WHERE body IS NOT NULL AND json_extract(body, '$.list') = 'shadow' AND (until IS NULL OR until > ?)", now);
  return new Set(rows.toArray().map((r) => `${r.kind}:${r.id}`));
}
