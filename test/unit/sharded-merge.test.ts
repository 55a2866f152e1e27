/**
 * A hot fingerprint is spread over FP_SHARDS objects by account hash (worker/decide.ts) and judged
 * on its shards' merged windows (core/shard-merge.ts). HyperLogLog unions are lossless: the merged
 * figures must equal, exactly, those of one unsharded window that saw all the traffic.
 */
import { FRESH_SINGLE } from "../../core/signals/classify";
import { recordFingerprint } from "../../durable-objects/windows";
import { describe, expect, it } from "vitest";
import { hashKeyFromWords, hashWords } from "../../core/hash";
import { ShardMerge } from "../../core/shard-merge";
import { Epoch, EpochWindow } from "../../core/window";
import type { FingerprintObservation } from "../../durable-objects/protocol";
import { FINGERPRINT_SCHEMA, type FingerprintCounter, type FingerprintSketch } from "../../durable-objects/schemas";
import { shardOf } from "../../worker/decide";
import { Rng } from "../../tools/prng";

type FpWindow = EpochWindow<FingerprintSketch, FingerprintCounter>;
const WINDOW_MS = 7 * 24 * 3_600_000;
const NAMES = Object.keys(FINGERPRINT_SCHEMA.sketches) as FingerprintSketch[];
const KEY = hashKeyFromWords(1, 2, 3, 4);

/** FingerprintGuard.observe's window updates. */
function record(w: FpWindow, o: FingerprintObservation): void {
  recordFingerprint(w, o);
}

/** What a shard sends on exchange: its live epochs as one union record, through the codec. */
function unionOf(w: FpWindow): Epoch<FingerprintSketch, FingerprintCounter> {
  const u = new Epoch(FINGERPRINT_SCHEMA, -1);
  for (const e of w.live()) {
    for (let i = 0; i < e.counters.length; i++) u.counters[i]! += e.counters[i]!;
    for (let i = 0; i < e.sketches.length; i++) u.sketches[i]!.merge(e.sketches[i]!);
    for (let i = 0; i < e.topics.length; i++) u.topics[i]! |= e.topics[i]!;
  }
  return Epoch.unmarshal(FINGERPRINT_SCHEMA, u.marshal());
}

function traffic(n: number, accounts: number, seed: number): FingerprintObservation[] {
  const rng = new Rng(seed);
  const t0 = Date.UTC(2026, 0, 5);
  const out: FingerprintObservation[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.below(accounts);
    const h = hashWords(KEY, [a], 0, 1);
    const account: [number, number] = [h.hi, h.lo];
    const prompt: [number, number] = rng.below(4) === 0 ? [a, 7] : [rng.u32(), rng.u32()]; // some repeats
    const pair = hashWords(KEY, [account[0], account[1], prompt[0], prompt[1]], 0, 4);
    out.push({
      now: t0 + Math.floor((i * 2 * 24 * 3_600_000) / n), // two days: several epochs
      account,
      pair: [pair.hi, pair.lo],
      prompt: {
        prompt,
        template: [rng.below(30), 1],
        conversation: prompt,
        shingles: new Uint32Array(0),
        topic: rng.below(1024),
        history: false,
        previous: null,
        state: rng.u32(),
        cues: 0,
        harvest: false,
        longOutput: false,
        tokens: 40,
      },
      seen: FRESH_SINGLE,
    });
  }
  return out;
}

describe("sharded fingerprint windows", () => {
  for (const [n, accounts, shards] of [
    [200, 50, 4], // sparse sketches
    [30_000, 20_000, 4], // dense sketches
    [5_000, 3_000, 7],
  ] as const) {
    it(`merge to the unsharded window's figures exactly (${n} requests, ${accounts} accounts, ${shards} shards)`, () => {
      const whole: FpWindow = new EpochWindow(FINGERPRINT_SCHEMA, WINDOW_MS);
      const parts: FpWindow[] = Array.from({ length: shards }, () => new EpochWindow(FINGERPRINT_SCHEMA, WINDOW_MS));
      const load = new Array<number>(shards).fill(0);
      for (const o of traffic(n, accounts, n + shards)) {
        const s = shardOf(o.account, shards);
        load[s]!++;
        record(parts[s]!, o);
        record(whole, o);
      }
      const now = Date.UTC(2026, 0, 7);
      whole.expire(now);
      for (const p of parts) p.expire(now);
      // the load is spread: no shard takes much more than its share
      for (const l of load) expect(l).toBeLessThan((1.5 * n) / shards);
      const unions = parts.map(unionOf);
      for (let s = 0; s < shards; s++) {
        const merged = new ShardMerge(FINGERPRINT_SCHEMA).figures(
          parts[s]!,
          unions.filter((_, k) => k !== s),
        );
        for (const name of NAMES) expect(merged.distinct(name)).toBe(whole.distinct(name));
        for (const c of FINGERPRINT_SCHEMA.counters) expect(merged.counter(c)).toBe(whole.counter(c));
        expect(merged.topics).toBe(whole.topicsCovered());
      }
    });
  }

  it("recomputes a cached merged figure when the own window or the peers change", () => {
    const [a, b] = [new EpochWindow(FINGERPRINT_SCHEMA, WINDOW_MS), new EpochWindow(FINGERPRINT_SCHEMA, WINDOW_MS)] as [FpWindow, FpWindow];
    const whole: FpWindow = new EpochWindow(FINGERPRINT_SCHEMA, WINDOW_MS);
    const merge = new ShardMerge(FINGERPRINT_SCHEMA);
    const obs = traffic(4000, 3000, 9);
    for (let i = 0; i < obs.length; i++) {
      record(i % 2 ? a : b, obs[i]!);
      record(whole, obs[i]!);
      // b reports to a now and then, as its flush alarm would
      if (i % 500 === 499) {
        const peers = [unionOf(b)];
        expect(merge.figures(a, peers).distinct("accounts")).toBe(whole.distinct("accounts"));
        expect(merge.figures(a, peers).distinct("prompts")).toBe(whole.distinct("prompts"));
      }
    }
  });
});
