/**
 * The overview's counts (core/overview.ts): one SQLite-backed object holding per-minute counts of
 * what the guard did with requests. Isolates send it their tallies in the background, at most every
 * few seconds each (worker/overview.ts), never on a request's path; the dashboard reads it.
 *
 * Minutes older than RETENTION_MS before the newest minute are deleted as new ones arrive, so test
 * traffic replayed at past times is kept like live traffic.
 */
import { DurableObject } from "cloudflare:workers";
import type { MinuteCounts } from "../core/overview";

export const OVERVIEW_OBJECT = "global";
const RETENTION_MS = 31 * 86_400_000;

export class OverviewStats extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS minutes (t INTEGER NOT NULL, k TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (t, k)) WITHOUT ROWID");
  }

  /** Adds an isolate's tally. */
  async add(minutes: MinuteCounts[]): Promise<void> {
    const sql = this.ctx.storage.sql;
    let newest = 0;
    for (const { t, counts } of minutes) {
      newest = Math.max(newest, t);
      for (const [k, n] of Object.entries(counts)) {
        if (!Number.isSafeInteger(t) || !Number.isSafeInteger(n) || n <= 0) continue;
        sql.exec("INSERT INTO minutes (t, k, n) VALUES (?, ?, ?) ON CONFLICT (t, k) DO UPDATE SET n = n + excluded.n", t, k, n);
      }
    }
    if (newest > 0) sql.exec("DELETE FROM minutes WHERE t < ?", newest - RETENTION_MS);
  }

  /** Counts in [from, to), summed per bucket of `bucketMs` aligned to the epoch; `t` is each bucket's start. */
  async read(from: number, to: number, bucketMs: number): Promise<MinuteCounts[]> {
    const rows = this.ctx.storage.sql.exec<{ b: number; k: string; n: number }>(
      "SELECT (t / ?1) * ?1 AS b, k, SUM(n) AS n FROM minutes WHERE t >= ?2 AND t < ?3 GROUP BY b, k ORDER BY b",
      bucketMs,
      from,
      to,
    );
    const out = new Map<number, Record<string, number>>();
    for (const r of rows) {
      const m = out.get(r.b) ?? {};
      m[r.k] = r.n;
      out.set(r.b, m);
    }
    return [...out].map(([t, counts]) => ({ t, counts }));
  }
}
