/**
 * Keys hashed with the secret: an attacker who knows the algorithm, and even a
 * key it might be run with (here the development default secret), can pick prompts whose hashes
 * land where they like in a HyperLogLog under *that* key: all in high ranks, to inflate a victim's
 * coverage, or all in a few registers, to make a sweep look small. Under the deployment's secret key
 * the same prompts are just distinct prompts: the estimate stays within normal error of the truth.
 * The prompts go through the production path (extractFeatures' prompt hash, the account schema's
 * precision for the `prompts` sketch).
 */
import { describe, expect, it } from "vitest";
import { DEVELOPMENT_SECRET } from "../../core/config";
import { extractFeatures } from "../../core/features";
import { deriveHashKey, type Hash64, type HashKey } from "../../core/hash";
import { HyperLogLog } from "../../core/hyperloglog";
import { ACCOUNT_SCHEMA } from "../../durable-objects/schemas";

const P = ACCOUNT_SCHEMA.sketches.prompts;
const N = 2000;
/** 3 standard errors of HyperLogLog at this precision. */
const TOLERANCE = 3 * (1.04 / Math.sqrt(1 << P));

function promptHash(key: HashKey, text: string): Hash64 {
  return extractFeatures(key, { userTurns: [text], system: "", assistantTurns: 0 }).prompt;
}

/** Register index and rank of a hash in a sketch of precision P, as HyperLogLog.insert computes them. */
function slot(h: Hash64): { index: number; rank: number } {
  const rest = h.hi << P;
  return { index: h.hi >>> (32 - P), rank: rest !== 0 ? Math.clz32(rest) + 1 : 32 - P + Math.clz32(h.lo) + 1 };
}

/** The first N prompts of the form `template(i)` whose hash under `key` satisfies `wanted`. */
function craft(key: HashKey, template: (i: number) => string, wanted: (s: { index: number; rank: number }) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < N; i++) {
    const text = template(i);
    if (wanted(slot(promptHash(key, text)))) out.push(text);
  }
  return out;
}

function estimate(key: HashKey, prompts: string[]): { estimate: number; distinct: number } {
  const h = new HyperLogLog(P);
  const seen = new Set<string>();
  for (const t of prompts) {
    const x = promptHash(key, t);
    seen.add(`${x.hi}:${x.lo}`);
    h.insert(x.hi, x.lo);
  }
  return { estimate: h.estimate(), distinct: seen.size };
}

describe("prompts crafted against a known key", async () => {
  const attackerKey = await deriveHashKey(DEVELOPMENT_SECRET, "sketch/v1");
  const realKey = await deriveHashKey("a-deployment-secret-the-attacker-does-not-know", "sketch/v1");

  it("cannot inflate coverage: prompts chosen to land in high ranks count as what they are", () => {
    const prompts = craft(
      attackerKey,
      (i) => `Define glossary term number ${i} precisely.`,
      (s) => s.rank >= 7,
    );
    const underAttackerKey = estimate(attackerKey, prompts);
    const underRealKey = estimate(realKey, prompts);
    expect(underRealKey.distinct).toBe(N);
    // The attack works against the key it was made for (measured: about 2.1 × the truth) …
    expect(underAttackerKey.estimate).toBeGreaterThan(1.5 * N);
    // … and not against the deployment's key.
    expect(Math.abs(underRealKey.estimate / N - 1)).toBeLessThan(TOLERANCE);
  });

  it("cannot pin registers: prompts chosen to share a few registers are not undercounted", () => {
    const prompts = craft(
      attackerKey,
      (i) => `Translate sentence ${i} into French.`,
      (s) => s.index < 16 && s.rank === 1,
    );
    const underAttackerKey = estimate(attackerKey, prompts);
    const underRealKey = estimate(realKey, prompts);
    expect(underRealKey.distinct).toBe(N);
    expect(underAttackerKey.estimate).toBeLessThan(N / 10);
    expect(Math.abs(underRealKey.estimate / N - 1)).toBeLessThan(TOLERANCE);
  });
});
