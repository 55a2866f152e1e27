/**
 * Scenario presets. `holdout` is the full-size scenario built like the dev one but with other sizes,
 * pacing, period, formats and prompts; `small` has every actor kind and campaign shape in a few
 * thousand requests, for quick tests. `adaptive` pits one campaign of each shape an informed attacker
 * would build (adaptive.ts) against a benign background; `crowd` is benign only, a provider-scale
 * crowd of independent API users on the common SDKs, to measure false positives; `adaptive-small`
 * has every adaptive shape in a few thousand requests, for tests.
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
  /** independent API users on common SDK stacks (crowd.ts); 0 or absent for none */
  sdkusers?: number;
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

/** One campaign of every adaptive shape and a blend; `k` scales keys, `v` each key's volume. */
function adaptiveCampaigns(k: number, v: number, swarmKeys: number): CampaignSpec[] {
  const keys = (n: number): number => Math.max(2, Math.round(n * k));
  const per = (lo: number, hi: number): [number, number] => [Math.max(13, Math.round(lo * v)), Math.max(20, Math.round(hi * v))];
  return [
    { type: "fabricated", keys: keys(6), perKey: per(120, 220), history: [1, 3], sources: { seed: 1, t0: 4 } },
    { type: "padding", keys: keys(5), perKey: per(150, 260), repeatShare: [0.2, 0.3], sources: { t0: 1 } },
    { type: "enduser", keys: Math.max(1, Math.round(2 * k)), perKey: per(700, 1000), endUsers: 5000, sources: { t0: 1 } },
    // Under MIN_REQUESTS per key whatever the size.
    { type: "swarm", keys: swarmKeys, perKey: [4, 12], arrivalDays: 2.5, sharedSystem: false, sources: { t0: 1 } },
    { type: "mimicry", keys: keys(6), perKey: per(120, 200), share: 0.5, sources: { seed: 1, t0: 3 } },
    { type: "reasoning", keys: keys(5), perKey: per(150, 250), rubricShare: 0.3, sources: { t0: 1 } },
    { type: "blend", keys: keys(4), share: 0.5, perKey: [150, 250], sources: { seed: 1, t0: 2 } },
  ];
}

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
  adaptive: {
    name: "adaptive",
    description: "4 days, ~20k requests: users, apps, batch and an SDK crowd against one campaign of every adaptive shape, a blend, a hydra and a heavy sweep",
    start: "2026-03-09T00:00:00.000Z",
    days: 4,
    seed: "guard-eval/adaptive",
    users: 120,
    power: 3,
    apps: 2,
    batch: 3,
    sdkusers: 500,
    campaigns: [
      ...adaptiveCampaigns(1, 1, 300),
      { type: "hydra", keys: 40, perKey: [15, 35], arrivalHours: 1.5, proxies: 6, asns: 2, api: "messages", stack: "anthropic-python", sources: { t0: 1 } },
      { type: "heavy", prompts: 600, api: "chat", stack: "requests", sweep: true, sources: { t0: 1 }, paceMs: 1500 },
    ],
  },
  crowd: {
    name: "crowd",
    description: "7 days, ~20k requests, benign only: 2,000 independent API users on 12 common SDK stacks, and a few apps",
    start: "2026-03-16T00:00:00.000Z",
    days: 7,
    seed: "guard-eval/crowd",
    users: 0,
    power: 0,
    apps: 3,
    batch: 0,
    sdkusers: 2000,
    campaigns: [],
  },
  "adaptive-small": {
    name: "adaptive-small",
    description: "3 days, ~3k requests: every adaptive campaign shape and a blend against a small benign background",
    start: "2026-03-23T00:00:00.000Z",
    days: 3,
    seed: "guard-eval/adaptive-small",
    users: 20,
    power: 1,
    apps: 1,
    batch: 1,
    sdkusers: 80,
    campaigns: adaptiveCampaigns(0.4, 0.3, 40),
  },
};
