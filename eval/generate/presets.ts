/**
 * Scenario presets. `holdout` is the full-size scenario built like the dev one but with other sizes,
 * pacing, period, formats and prompts; `small` has every actor kind and campaign shape in a few
 * thousand requests, for quick tests.
 */
import type { CampaignSpec } from "./campaigns";

export interface Preset {
  name: string;
  description: string;
  /** period start, ISO 8601 UTC */
  start: string;
  days: number;
  seed: string;
  users: number;
  power: number;
  apps: number;
  batch: number;
  campaigns: CampaignSpec[];
}

const HOLDOUT_CAMPAIGNS: CampaignSpec[] = [
  { type: "heavy", prompts: 1800, api: "chat", stack: "requests", sweep: true, sources: { t0: 1 }, paceMs: 1800 },
  { type: "heavy", prompts: 1000, api: "messages", stack: "aiohttp", sweep: false, sources: { alpaca: 3, seed: 1, t0: 1 }, paceMs: 3200 },
  { type: "hydra", keys: 110, perKey: [15, 50], arrivalHours: 1.5, proxies: 10, asns: 3, api: "messages", stack: "anthropic-python", sources: { t0: 1 } },
  { type: "slow", keys: 36, perDay: [1, 6], api: "chat", stack: "openai-node", sources: { t0: 3, alpaca: 1 } },
  { type: "blend", keys: 12, share: 0.5, perKey: [120, 220], sources: { alpaca: 1, seed: 1, t0: 2 } },
  { type: "rotating", keys: 60, cohort: [3, 6], perKey: [25, 55], sources: { t0: 1 } },
  { type: "paraphrase", keys: 24, perKey: [40, 80], sources: { alpaca: 1, t0: 2 } },
  { type: "multiturn", keys: 8, perKey: [80, 160], sources: { t0: 2, alpaca: 1 } },
];

export const PRESETS: Readonly<Record<string, Preset>> = {
  holdout: {
    name: "holdout",
    description: "12 days, ~36k requests: benign users, power users, apps, batch jobs; 9 campaigns of 7 shapes",
    start: "2026-02-09T00:00:00.000Z",
    days: 12,
    seed: "guard-eval/holdout/2026-02",
    users: 330,
    power: 12,
    apps: 4,
    batch: 7,
    campaigns: HOLDOUT_CAMPAIGNS,
  },
  small: {
    name: "small",
    description: "3 days, a few thousand requests, every actor kind and campaign shape",
    start: "2026-03-02T00:00:00.000Z",
    days: 3,
    seed: "guard-eval/small",
    users: 40,
    power: 2,
    apps: 1,
    batch: 2,
    campaigns: [
      { type: "heavy", prompts: 300, api: "chat", stack: "requests", sweep: true, sources: { t0: 1 }, paceMs: 1500 },
      { type: "hydra", keys: 12, perKey: [10, 30], arrivalHours: 1, proxies: 4, asns: 2, api: "chat", stack: "openai-python", sources: { t0: 1 } },
      { type: "slow", keys: 5, perDay: [2, 5], api: "messages", stack: "anthropic-python", sources: { t0: 1 } },
      { type: "blend", keys: 3, share: 0.5, perKey: [150, 250], sources: { alpaca: 1, t0: 1 } },
      { type: "rotating", keys: 9, cohort: [3, 4], perKey: [10, 25], sources: { t0: 1 } },
      { type: "paraphrase", keys: 4, perKey: [20, 40], sources: { alpaca: 1, t0: 1 } },
      { type: "multiturn", keys: 2, perKey: [40, 80], sources: { t0: 1 } },
    ],
  },
};
