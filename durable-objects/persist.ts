/**
 * SQLite persistence shared by the guard objects: epochs as binary rows, small state as JSON rows.
 * Objects write on a coalescing alarm, not per request; SQL calls are synchronous and the runtime
 * commits them together at the end of the event, so one flush is one transaction.
 */
import { Epoch, type EpochWindow, type WindowSchema } from "../core/window";

export class SubjectStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS epochs (idx INTEGER PRIMARY KEY, data BLOB NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
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

  /** Writes the window's changed epochs and deletes the expired ones; returns rows written. */
  saveWindow<S extends string, C extends string>(window: EpochWindow<S, C>): number {
    let rows = 0;
    for (const e of window.takeDirty()) {
      this.sql.exec("INSERT OR REPLACE INTO epochs (idx, data) VALUES (?, ?)", e.index, e.marshal());
      rows++;
    }
    const live = window.live();
    const oldest = live.length ? live[0].index : Number.MAX_SAFE_INTEGER;
    rows += this.sql.exec("DELETE FROM epochs WHERE idx < ?", oldest).rowsWritten;
    return rows;
  }

  getMeta<T>(key: string): T | null {
    const rows = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", key).toArray();
    return rows.length ? (JSON.parse(rows[0].v) as T) : null;
  }

  setMeta(key: string, value: unknown): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", key, JSON.stringify(value));
  }
}
