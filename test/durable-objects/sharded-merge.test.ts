/**
 * A hot fingerprint in the real objects: observations routed to FP_SHARDS shards by account hash,
 * the shards' flush alarms exchange their window unions through shard 0, and the merged figures
 * equal one unsharded window's exactly (timings of the same are in `npm run bench`, table 7).
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { configFor } from "../../core/config";
import { hashKeyFromWords, hashWords } from "../../core/hash";
import { EpochWindow } from "../../core/window";
import type { FingerprintObservation } from "../../durable-objects/protocol";
import { FINGERPRINT_SCHEMA } from "../../durable-objects/schemas";
import { shardOf } from "../../worker/decide";
import { randomPrompt, FRESH_SINGLE } from "../support/observations";

const T0 = Date.UTC(2026, 0, 5, 9);
const KEY = hashKeyFromWords(5, 6, 7, 8);

describe("a fingerprint sharded over FP_SHARDS objects", () => {
  it("reports, once its shards have exchanged, the figures of one unsharded window", async () => {
    const cfg = configFor(env);
    const shards = cfg.FP_SHARDS;
    expect(shards).toBeGreaterThan(1);
    const fp = "s00000000000abcde";
    const stubs = Array.from({ length: shards }, (_, s) => env.FINGERPRINT_GUARD.getByName(`${fp}/${s}`));
    const whole = new EpochWindow(FINGERPRINT_SCHEMA, cfg.FINGERPRINT_WINDOW_S * 1000);
    const load = new Array<number>(shards).fill(0);
    const n = 1200;
    for (let i = 0; i < n; i++) {
      const h = hashWords(KEY, [i % 700], 0, 1);
      const account: [number, number] = [h.hi, h.lo];
      const shard = shardOf(account, shards);
      const prompt = randomPrompt();
      const pair = hashWords(KEY, [h.hi, h.lo, prompt.prompt[0], prompt.prompt[1]], 0, 4);
      const obs: FingerprintObservation = { now: T0 + i * 1000, account, pair: [pair.hi, pair.lo], prompt, seen: FRESH_SINGLE };
      await stubs[shard]!.observe(obs);
      load[shard]!++;
      whole.insert(obs.now, "accounts", account[0], account[1]);
      whole.insert(obs.now, "prompts", prompt.prompt[0], prompt.prompt[1]);
      whole.insert(obs.now, "templates", prompt.template[0], prompt.template[1]);
      whole.insert(obs.now, "pairs", pair.hi, pair.lo);
    }
    for (const l of load) expect(l).toBeGreaterThan(n / shards / 2);
    // every shard but 0 flushes and sends its union to shard 0
    for (let s = 1; s < shards; s++) expect(await runDurableObjectAlarm(stubs[s]!)).toBe(true);
    const now = T0 + n * 1000;
    const view = await stubs[0]!.view(now);
    expect(view.requests).toBe(n);
    expect(view.distinct.accounts).toBe(whole.distinct("accounts"));
    expect(view.distinct.prompts).toBe(whole.distinct("prompts"));
    expect(view.distinct.templates).toBe(whole.distinct("templates"));
    expect(view.distinct.accountPrompts).toBe(whole.distinct("pairs"));
  });
});
