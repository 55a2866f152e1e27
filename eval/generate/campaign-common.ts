/**
 * What every campaign generator shares: the summary record, source mixes and prompt sources that
 * never repeat a prompt, request styles and start times.
 */
import { modelFor } from "./bodies";
import type { Api, BodyStyle, Turn } from "./bodies";
import { HOUR } from "./context";
import type { Scenario } from "./context";
import type { PromptRow } from "./data";
import type { Rng } from "../../tools/prng";

/** Relative weights of the prompt collections a campaign draws from. */
export interface SourceMix {
  alpaca?: number;
  seed?: number;
  t0?: number;
}

/** What the summary says about a campaign (requests are counted from the lines afterwards). */
export interface CampaignInfo {
  id: string;
  type: string;
  accounts: number;
  format: "openai" | "anthropic" | "mixed";
  api: Api | "mixed";
  sources: string[];
  /** proxy addresses (hydra) */
  proxies?: number;
  /** distinct User-Agent + JA4 pairs (rotating) */
  fingerprints?: number;
  /** requests carrying campaign prompts (blend; the rest is cover traffic) */
  campaignPrompts?: number;
}

export const formatOf = (api: Api): "openai" | "anthropic" => (api === "messages" ? "anthropic" : "openai");

/** Pool names and weights for a source mix; T0 weight is spread over datasets by what is left of each. */
function poolsFor(s: Scenario, mix: SourceMix): { names: string[]; weights: number[]; sources: string[] } {
  const names: string[] = [];
  const weights: number[] = [];
  if (mix.alpaca) {
    names.push("alpaca");
    weights.push(mix.alpaca);
  }
  if (mix.seed) {
    names.push("seed");
    weights.push(mix.seed);
  }
  if (mix.t0) {
    const t0 = s.pool.names().filter((n) => n.startsWith("t0/"));
    const total = t0.reduce((sum, n) => sum + s.pool.remaining(n), 0);
    for (const n of t0) {
      names.push(n);
      weights.push(total === 0 ? mix.t0 : (mix.t0 * s.pool.remaining(n)) / total);
    }
  }
  // Only collections the data folder has (the shipped sample has no Alpaca).
  const sources = (["alpaca", "seed", "t0"] as const).filter((k) => (mix[k] ?? 0) > 0 && (k === "t0" ? s.data.t0.size > 0 : s.data[k].length > 0));
  return { names, weights, sources };
}

/** A prompt source for one campaign: never repeats, never shares with another campaign. */
export function promptSource(s: Scenario, rng: Rng, mix: SourceMix): { next(): PromptRow | undefined; sources: string[] } {
  const { names, weights, sources } = poolsFor(s, mix);
  return { next: () => s.pool.takeFrom(names, rng, weights), sources };
}

export function campaignStyle(rng: Rng, api: Api, system: string | undefined, extra?: Record<string, unknown>): BodyStyle {
  return { api, model: modelFor(api, rng), system, maxTokens: api === "completions" ? 1024 : 4096, temperature: rng.pick([0, 0.7, 1]), extra };
}

/** A start time on a weekday of the first part of the period, at a UTC working hour. */
export function campaignStart(s: Scenario, rng: Rng, latestFraction = 0.7): number {
  const day = rng.int(0, Math.max(0, Math.floor((s.days - 1) * latestFraction)));
  return s.start + day * 24 * HOUR + rng.float(6, 15) * HOUR;
}

export function single(text: string): Turn[] {
  return [{ role: "user", text }];
}
