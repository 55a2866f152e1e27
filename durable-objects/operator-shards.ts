/**
 * How the operator-side objects (the flagged registry and the audit log) are spread over
 * REGISTRY_SHARDS objects of their namespace, so thousands of verdicts an hour are not queued on one
 * object. A subject always lands on the same shard; reads fan out to every shard and merge.
 *
 * Shard 0 is the object named "global": the single object of deployments from before sharding. It
 * keeps what it holds and is read with every fan-out, so nothing it recorded is lost and nothing is
 * copied; writes for subjects that hash to another shard also clear that subject's old row there.
 *
 * The shard count is recorded in shard 0 the first time it is asked (existing state is taken to use
 * the configured count). A later change of REGISTRY_SHARDS is refused like FP_SHARDS: routing keeps
 * the recorded count and shard 0 logs `storage_layout_changed`, so no subject's rows are stranded
 * on a shard that is no longer read or cleared.
 */
import { fmix32 } from "../core/hash";
import { logLayoutChange } from "./layout";

export const LEGACY_SHARD = "global";

/** The object name of shard `i` of an operator-side namespace. */
export function operatorShardName(i: number): string {
  return i === 0 ? LEGACY_SHARD : `shard-${i}`;
}

/**
 * The shard of a subject id. Unkeyed on purpose: ids are already keyed hashes (HMAC of an API key,
 * a keyed fingerprint hash), so a client cannot aim its entries at one shard.
 */
export function subjectShard(subject: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < subject.length; i++) h = Math.imul(h ^ subject.charCodeAt(i), 0x01000193);
  return fmix32(h) % shards;
}

/** Shard 0's side: the recorded count, recorded now when none is (SQLite, one row). */
export function settleShardCount(sql: SqlStorage, configured: number, setting: string): number {
  sql.exec("CREATE TABLE IF NOT EXISTS shard_layout (k TEXT PRIMARY KEY, shards INTEGER NOT NULL)");
  const stored = sql.exec<{ shards: number }>("SELECT shards FROM shard_layout WHERE k = 'layout'").toArray()[0]?.shards;
  if (stored === undefined) {
    sql.exec("INSERT INTO shard_layout (k, shards) VALUES ('layout', ?)", configured);
    return configured;
  }
  if (stored !== configured) logLayoutChange(setting, stored, configured);
  return stored;
}

interface LayoutStub {
  layout(configured: number): Promise<number>;
}

const counts = new Map<string, Promise<number>>();

/**
 * The recorded shard count of a namespace, asked of shard 0 once per isolate (writes run in
 * waitUntil, so that one round trip is never on a response path). A failed ask is not kept.
 */
export function recordedShards(binding: string, shard0: () => LayoutStub, configured: number): Promise<number> {
  const key = `${binding}:${configured}`;
  let count = counts.get(key);
  if (!count) {
    count = shard0().layout(configured);
    counts.set(key, count);
    count.catch(() => counts.delete(key));
  }
  return count;
}

const ATTEMPTS = 4;

/**
 * Runs an idempotent write at least once: a failed attempt (a reset connection, an object that
 * restarted mid-call) is repeated with backoff, since an answer lost after the write landed is
 * harmless to repeat. An overloaded object is not pressed further. The last error is raised.
 */
export async function atLeastOnce<T>(write: () => Promise<T>, pause = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= ATTEMPTS || (err as { overloaded?: boolean } | null)?.overloaded === true) throw err;
      await pause(25 * 4 ** attempt * (0.5 + Math.random()));
    }
  }
}
