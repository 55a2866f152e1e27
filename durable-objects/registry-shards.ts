/**
 * The registry as its callers see it: the methods of one GuardRegistry, routed over the
 * REGISTRY_SHARDS shards of GUARD_REGISTRY (durable-objects/operator-shards.ts). A subject's reports,
 * clears and override listing go to its shard; the flagged list, the override listing and the
 * accounts adopted from a fingerprint are read from every shard in parallel and merged.
 */
import { configFor } from "../core/config";
import { severity } from "../core/verdict";
import { atLeastOnce, LEGACY_SHARD, operatorShardName, recordedShards, subjectShard } from "./operator-shards";
import type { OverrideListing } from "./override-index";
import type { FlaggedEntry, FlagReport, GuardRegistry } from "./registry";

type Kind = FlagReport["kind"];
type Flagged = { accounts: FlaggedEntry[]; fingerprints: FlaggedEntry[] };

export interface Registry {
  /** Records a subject's verdict on its shard; repeated on failure (a report is idempotent). */
  report(r: FlagReport): Promise<void>;
  clear(kind: Kind, id: string): Promise<void>;
  /** Subjects whose throttle or block is active at `now`, most recent first, up to `limit` of each kind. */
  flagged(now: number, limit?: number): Promise<Flagged>;
  setOverride(e: OverrideListing): Promise<void>;
  overrides(now: number, all?: boolean): Promise<OverrideListing[]>;
  adoptedFrom(fingerprint: string, now: number): Promise<string[]>;
  /** The shard count in use (the recorded REGISTRY_SHARDS). */
  shards(): Promise<number>;
}

type Shard = Pick<DurableObjectStub<GuardRegistry>, "report" | "clear" | "flagged" | "setOverride" | "overrides" | "adoptedFrom">;

/** The registry of this deployment. */
export function guardRegistry(env: Env): Registry {
  const at = (i: number) => env.GUARD_REGISTRY.getByName(operatorShardName(i));
  return registryOver(at, () => recordedShards("GUARD_REGISTRY", () => env.GUARD_REGISTRY.getByName(LEGACY_SHARD), configFor(env).REGISTRY_SHARDS));
}

/** Of two entries for one subject (on two shards), the one the single registry would have kept. */
function stronger(a: FlaggedEntry, b: FlaggedEntry): FlaggedEntry {
  if (severity(a.action) !== severity(b.action)) return severity(a.action) > severity(b.action) ? a : b;
  if (a.until !== b.until) return a.until === null || (b.until !== null && a.until > b.until) ? a : b;
  return a.updated >= b.updated ? a : b;
}

function mergeFlagged(entries: FlaggedEntry[], limit: number): FlaggedEntry[] {
  const best = new Map<string, FlaggedEntry>();
  for (const e of entries) {
    const kept = best.get(e.id);
    best.set(e.id, kept ? stronger(kept, e) : e);
  }
  return [...best.values()].sort((a, b) => b.updated - a.updated).slice(0, limit);
}

/** A registry over shards `at(0..count-1)`; the bench builds one with a fixed count. */
export function registryOver(at: (i: number) => Shard, count: () => Promise<number>): Registry {
  const all = async () => Array.from({ length: await count() }, (_, i) => at(i));
  /** The subject's shard, and shard 0 when it is another, where a row from before sharding may be. */
  const homes = async (id: string) => {
    const s = subjectShard(id, await count());
    return s === 0 ? [at(0)] : [at(s), at(0)];
  };
  return {
    shards: count,
    async report(r) {
      const [home] = await homes(r.id);
      await atLeastOnce(() => home!.report(r));
    },
    async clear(kind, id) {
      await Promise.all((await homes(id)).map((s) => atLeastOnce(() => s.clear(kind, id))));
    },
    async setOverride(e) {
      const [home, legacy] = await homes(e.id);
      await Promise.all([atLeastOnce(() => home!.setOverride(e)), legacy ? atLeastOnce(() => legacy.setOverride({ ...e, override: null, graceUntil: null })) : null]);
    },
    async flagged(now, limit = 500) {
      const lists: Flagged[] = await Promise.all((await all()).map((s) => s.flagged(now, limit)));
      return {
        accounts: mergeFlagged(
          lists.flatMap((l) => l.accounts),
          limit,
        ),
        fingerprints: mergeFlagged(
          lists.flatMap((l) => l.fingerprints),
          limit,
        ),
      };
    },
    async overrides(now, every = false) {
      const lists: OverrideListing[][] = await Promise.all((await all()).map((s) => s.overrides(now, every)));
      const latest = new Map<string, OverrideListing>();
      for (const l of lists.flat()) {
        const key = `${l.kind}:${l.id}`;
        const kept = latest.get(key);
        if (!kept || l.updated > kept.updated) latest.set(key, l);
      }
      return [...latest.values()].sort((a, b) => b.updated - a.updated).slice(0, 1000);
    },
    async adoptedFrom(fingerprint, now) {
      const lists: string[][] = await Promise.all((await all()).map((s) => s.adoptedFrom(fingerprint, now)));
      return [...new Set(lists.flat())].slice(0, 1000);
    },
  };
}
