/**
 * A sharded subject's figures: its own window merged with the other shards' window unions (as a
 * fingerprint shard receives them on its flush alarm). HyperLogLog unions are lossless, so the merged
 * estimates equal those of one unsharded window that saw every shard's traffic.
 *
 * Cheap per request: the peers are merged once when they change (identity of their epoch objects),
 * and each merged estimate is cached until the own window's union or the peers change, then
 * recomputed by merging into a shared scratch buffer (HyperLogLog.unionEstimate): no copy of the own
 * window, no encoding round trip.
 */
import { popcount } from "./bits";
import { unionEpochs } from "./epoch-union";
import { HyperLogLog } from "./hyperloglog";
import { Epoch, type EpochWindow, type WindowSchema } from "./window";

export interface MergedFigures<S extends string, C extends string> {
  distinct(sketch: S): number;
  counter(counter: C): number;
  topics: number;
}

export class ShardMerge<S extends string, C extends string> {
  private peerEpochs: Epoch<S, C>[] = [];
  private peerUnion: Epoch<S, C>;
  private peersVersion = 0;
  private readonly names: S[];
  private readonly cache: { window: EpochWindow<S, C> | null; version: number; peers: number; value: number }[];

  constructor(readonly schema: WindowSchema<S, C>) {
    this.names = Object.keys(schema.sketches) as S[];
    this.peerUnion = new Epoch(schema, -1);
    this.cache = this.names.map(() => ({ window: null, version: -1, peers: -1, value: 0 }));
  }

  /** Takes the peers' unions; merges them again only when they are other objects than last time. */
  private sync(peers: Iterable<Epoch<S, C>>): void {
    const list = [...peers];
    if (list.length === this.peerEpochs.length && list.every((e, i) => e === this.peerEpochs[i])) return;
    this.peerEpochs = list;
    this.peerUnion = unionEpochs(this.schema, list);
    this.peersVersion++;
  }

  /** The figures of `window` merged with `peers` (the other shards' window unions). */
  figures(window: EpochWindow<S, C>, peers: Iterable<Epoch<S, C>>): MergedFigures<S, C> {
    this.sync(peers);
    const peerUnion = this.peerUnion;
    const counters = this.schema.counters;
    const topics = new Uint8Array(peerUnion.topics);
    for (const e of window.live()) for (let i = 0; i < topics.length; i++) topics[i]! |= e.topics[i]!;
    const covered = popcount(topics);
    return {
      distinct: (sketch) => {
        const i = this.names.indexOf(sketch);
        const c = this.cache[i]!;
        const version = window.unionVersion(sketch);
        if (c.window !== window || c.version !== version || c.peers !== this.peersVersion) {
          c.value = HyperLogLog.unionEstimate([...window.live().map((e) => e.sketches[i]!), peerUnion.sketches[i]!]);
          c.window = window;
          c.version = version;
          c.peers = this.peersVersion;
        }
        return c.value;
      },
      counter: (name) => window.counter(name) + peerUnion.counters[counters.indexOf(name)]!,
      topics: covered,
    };
  }
}
