/**
 * What each guard object does with one observation, and the figures its policy reads: plain
 * functions over an EpochWindow (no `cloudflare:*`), shared by the Durable Objects and the
 * Node-side benchmark so the two cannot drift apart.
 */
import type { Config } from "../core/config";
import { TOPIC_BUCKETS } from "../core/features";
import { assessAccount, type Assessment } from "../core/policy";
import { EpochWindow } from "../core/window";
import type { AccountObservation, FingerprintObservation, PromptObservation } from "./protocol";
import { ACCOUNT_SCHEMA, FINGERPRINT_SCHEMA, type AccountCounter, type AccountSketch, type FingerprintCounter, type FingerprintSketch } from "./schemas";

export type AccountWindow = EpochWindow<AccountSketch, AccountCounter>;
export type FingerprintWindow = EpochWindow<FingerprintSketch, FingerprintCounter>;

export function accountWindow(cfg: Pick<Config, "DETECTION_WINDOW_S">): AccountWindow {
  return new EpochWindow(ACCOUNT_SCHEMA, cfg.DETECTION_WINDOW_S * 1000);
}

export function fingerprintWindow(cfg: Pick<Config, "FINGERPRINT_WINDOW_S">): FingerprintWindow {
  return new EpochWindow(FINGERPRINT_SCHEMA, cfg.FINGERPRINT_WINDOW_S * 1000);
}

/** Counters and sketches both subjects keep for a prompt. */
function recordPrompt(w: AccountWindow | FingerprintWindow, now: number, p: PromptObservation): void {
  const x = w as EpochWindow<"prompts" | "templates", "requests" | "tokens" | "singleShot" | "harvest">;
  x.count(now, "requests");
  x.count(now, "tokens", p.tokens);
  if (p.singleShot) x.count(now, "singleShot");
  if (p.harvest) x.count(now, "harvest");
  x.insert(now, "prompts", p.prompt[0], p.prompt[1]);
  x.insert(now, "templates", p.template[0], p.template[1]);
  x.markTopic(now, p.topic);
}

export function recordAccount(w: AccountWindow, obs: AccountObservation, now: number): void {
  const p = obs.prompt!;
  recordPrompt(w, now, p);
  w.insert(now, "conversations", p.conversation[0], p.conversation[1]);
  w.insertAll(now, "shingles", p.shingles);
  w.count(now, "shingleSamples", p.shingles.length >>> 1);
  if (obs.network) w.insert(now, "networks", obs.network[0], obs.network[1]);
  if (obs.endUser) w.insert(now, "endUsers", obs.endUser[0], obs.endUser[1]);
}

export function recordFingerprint(w: FingerprintWindow, obs: FingerprintObservation): void {
  recordPrompt(w, obs.now, obs.prompt);
  w.insert(obs.now, "accounts", obs.account[0], obs.account[1]);
  w.insert(obs.now, "pairs", obs.pair[0], obs.pair[1]);
}

/** The account's window figures as the policy reads them, and its score. */
export function assessAccountWindow(w: AccountWindow, now: number, cfg: Parameters<typeof assessAccount>[1]): Assessment {
  const f = w.figures(now);
  return assessAccount(
    {
      requests: f.counters.requests,
      distinctPrompts: f.distinct.prompts,
      distinctTemplates: f.distinct.templates,
      singleShot: f.counters.singleShot,
      harvest: f.counters.harvest,
      topics: f.topics,
      topicBuckets: TOPIC_BUCKETS,
      shingles: f.distinct.shingles,
      shingleSamples: f.counters.shingleSamples,
      networks: f.distinct.networks,
      endUsers: f.distinct.endUsers,
    },
    cfg,
  );
}
