/**
 * SQLite persistence shared by the guard objects: epochs as binary rows (versioned by their first
 * byte), small state as JSON rows (versioned by an envelope). Objects write on a coalescing alarm, not
 * per request; SQL calls are synchronous and the runtime commits them together at the end of the
 * event, so one flush is one transaction.
 */
import { Epoch, type EpochWindow, type WindowSchema } from "../core/window";
import type { Validator } from "./meta-shapes";

/**
 * Version of the JSON rows: `{ v, data }`. Rows written before the envelope existed are the bare
 * value (version 0) and are read through the same validator.
 */
const META_VERSION = 1;

function isEnvelope(x: unknown): x is { v: unknown; data: unknown } {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const keys = Object.keys(x);
  return keys.length === 2 && keys.includes("v") && keys.includes("data");
}

export class SubjectStore {
  /** Epochs below this index are known deleted: a flush deletes only when the window moved on. */
  private deletedBelow = Number.NEGATIVE_INFINITY;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS epochs (idx INTEGER PRIMARY KEY, data BLOB NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS blobs (k TEXT PRIMARY KEY, data BLOB NOT NULL)");
  }

  /** Loads every epoch; a row that does not decode is reported and skipped, never fatal. */
  loadEpochs<S extends string, C extends string>(schema: WindowSchema<S, C>): Epoch<S, C>[] {
    const out: Epoch<S, C>[] = [];
    for (const row of this.sql.exec<{ idx: number; data: ArrayBuffer }>("SELECT idx, data FROM epochs")) {
      try {
        out.push(Epoch.unmarshal(schema, new Uint8Array(row.data)));
      } catch (err) {
        console.error(JSON.stringify({ event: "epoch_decode_failed", idx: row.idx, error: String(err) }));
      }
    }
    return out;
  }

  /** Whether any epoch is stored (state written before this object's layout was recorded). */
  hasEpochs(): boolean {
    return this.sql.exec("SELECT 1 FROM epochs LIMIT 1").toArray().length > 0;
  }

  /** Writes the window's changed epochs and deletes the expired ones; returns rows written. */
  saveWindow<S extends string, C extends string>(window: EpochWindow<S, C>): number {
    let rows = 0;
    for (const e of window.takeDirty()) {
      this.sql.exec("INSERT OR REPLACE INTO epochs (idx, data) VALUES (?, ?)", e.index, e.marshal());
      rows++;
    }
    const live = window.live();
    const oldest = live[0]?.index ?? Number.MAX_SAFE_INTEGER;
    if (oldest > this.deletedBelow) {
      rows += this.sql.exec("DELETE FROM epochs WHERE idx < ?", oldest).rowsWritten;
      this.deletedBelow = oldest;
    }
    return rows;
  }

  /**
   * The stored value of `key`, or null when there is none. A row that does not parse, has an unknown
   * version or fails `valid` is logged and read as null: the caller starts that part afresh.
   */
  getMeta<T>(key: string, valid: Validator<T>): T | null {
    const rows = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", key).toArray();
    const row = rows[0];
    if (row === undefined) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(row.v);
    } catch (err) {
      console.error(JSON.stringify({ event: "meta_decode_failed", key, error: String(err) }));
      return null;
    }
    const version = isEnvelope(parsed) ? parsed.v : 0;
    const value = isEnvelope(parsed) ? parsed.data : parsed;
    if (version !== META_VERSION && version !== 0) {
      console.error(JSON.stringify({ event: "meta_unknown_version", key, version: String(version), expected: META_VERSION }));
      return null;
    }
    if (!valid(value)) {
      console.error(JSON.stringify({ event: "meta_invalid", key, version }));
      return null;
    }
    return value;
  }

  setMeta(key: string, value: unknown): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", key, JSON.stringify({ v: META_VERSION, data: value }));
  }

  /** Binary state (versioned by its own first byte, decoded by the caller); null when absent. */
  getBlob(key: string): Uint8Array | null {
    const rows = this.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM blobs WHERE k = ?", key).toArray();
    return rows.length ? new Uint8Array(rows[0]!.data) : null;
  }

  setBlob(key: string, data: Uint8Array): void {
    this.sql.exec("INSERT OR REPLACE INTO blobs (k, data) VALUES (?, ?)", key, data);
  }
}
