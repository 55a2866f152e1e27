/**
 * The audit trail as its callers see it, over the REGISTRY_SHARDS shards of AUDIT_LOG
 * (durable-objects/operator-shards.ts). An entry goes to the shard of its subject (the account, else
 * the fingerprint), so a fleet's verdicts are written in parallel; a query reads every shard and
 * merges in time order.
 *
 * Each shard numbers its own rows, so an entry's id here is `shard × 2^40 + its row id`: unique
 * across shards, ordered within one, and unchanged for the rows shard 0 ("global") held before
 * sharding. Entries are ordered by (t, id) everywhere, which keeps a page cursor `t:id` exact.
 */
import { configFor } from "../core/config";
import type { AuditEntry, AuditRow } from "./audit";
import { AUDIT_PAGE_MAX, type AuditLog, type AuditPage, type AuditQuery } from "./audit-log";
import { atLeastOnce, LEGACY_SHARD, operatorShardName, recordedShards, subjectShard } from "./operator-shards";

/** Row ids a shard may reach before its ids would run into the next shard's. */
const SHARD_SPAN = 2 ** 40;

export interface AuditTrail {
  /** Records an entry on its subject's shard, retried until it lands; returns its id. */
  record(e: AuditEntry): Promise<number>;
  /** One page across all shards, in the query's order. */
  query(q: AuditQuery): Promise<AuditPage>;
  /** Every matching entry across all shards in the query's order, a page (≤ AUDIT_PAGE_MAX) at a time. */
  pages(q: Omit<AuditQuery, "limit">): AsyncGenerator<AuditRow[]>;
  /** The shard count in use (the recorded REGISTRY_SHARDS). */
  shards(): Promise<number>;
}

type Shard = Pick<DurableObjectStub<AuditLog>, "record" | "query">;

/** The audit trail of this deployment. */
export function auditLog(env: Env): AuditTrail {
  const at = (i: number) => env.AUDIT_LOG.getByName(operatorShardName(i));
  return auditOver(at, () => recordedShards("AUDIT_LOG", () => env.AUDIT_LOG.getByName(LEGACY_SHARD), configFor(env).REGISTRY_SHARDS));
}

/** The subject an entry is filed under (every verdict and operator action names one; an entry without is filed under ""). */
function subjectOf(e: AuditEntry): string {
  return e.account ?? e.fingerprint ?? "";
}

/** A cursor of the merged order, as shard `i` numbers its rows. */
function shardCursor(after: string | undefined, i: number): string | undefined {
  if (!after) return undefined;
  const [t, id] = after.split(":").map(Number) as [number, number];
  return `${t}:${id - i * SHARD_SPAN}`;
}

function order(q: Pick<AuditQuery, "order">): (a: AuditRow, b: AuditRow) => number {
  const sign = q.order === "desc" ? -1 : 1;
  return (a, b) => sign * (a.t - b.t || a.id - b.id);
}

/** An audit trail over shards `at(0..count-1)`; the bench builds one with a fixed count. */
export function auditOver(at: (i: number) => Shard, count: () => Promise<number>): AuditTrail {
  const pageOf = async (i: number, q: AuditQuery) => {
    const page: AuditPage = await at(i).query({ ...q, after: shardCursor(q.after, i) });
    return { entries: page.entries.map((e) => ({ ...e, id: i * SHARD_SPAN + e.id })), more: page.next !== null, next: page.next ?? undefined };
  };
  return {
    shards: count,
    async record(e) {
      const entry = { ...e, key: e.key ?? crypto.randomUUID() };
      const i = subjectShard(subjectOf(entry), await count());
      const id: number = await atLeastOnce(() => at(i).record(entry));
      return i * SHARD_SPAN + id;
    },
    async query(q) {
      const limit = Math.max(1, Math.min(AUDIT_PAGE_MAX, q.limit));
      const pages = await Promise.all(Array.from({ length: await count() }, (_, i) => pageOf(i, { ...q, limit })));
      const merged = pages.flatMap((p) => p.entries).sort(order(q));
      const entries = merged.slice(0, limit);
      const last = entries[entries.length - 1];
      const more = merged.length > limit || pages.some((p) => p.more);
      return { entries, next: more && last ? `${last.t}:${last.id}` : null };
    },
    async *pages(q) {
      // A k-way merge: each shard is read once, a page at a time, and its rows leave in order.
      const n = await count();
      const heads = Array.from({ length: n }, (_, i) => ({ i, rows: [] as AuditRow[], after: shardCursor(q.after, i), done: false }));
      const cmp = order(q);
      for (;;) {
        await Promise.all(
          heads.map(async (h) => {
            if (h.rows.length > 0 || h.done) return;
            // `after` is in the shard's own numbering: its first page's from the query's cursor, then its own `next`.
            const page: AuditPage = await at(h.i).query({ ...q, after: h.after, limit: AUDIT_PAGE_MAX });
            h.rows = page.entries.map((e) => ({ ...e, id: h.i * SHARD_SPAN + e.id }));
            h.after = page.next ?? undefined;
            h.done = page.next === null;
          }),
        );
        const out: AuditRow[] = [];
        // Rows leave only while every shard that may hold more has one buffered to compare with.
        while (out.length < AUDIT_PAGE_MAX && heads.every((h) => h.rows.length > 0 || h.done)) {
          let best: (typeof heads)[number] | null = null;
          for (const h of heads) if (h.rows.length > 0 && (!best || cmp(h.rows[0]!, best.rows[0]!) < 0)) best = h;
          if (!best) break;
          out.push(best.rows.shift()!);
        }
        if (out.length > 0) yield out;
        else if (heads.every((h) => h.done && h.rows.length === 0)) return;
      }
    },
  };
}
