/**
 * What each guard object does with one observation, and the figures its policy reads: plain
 * functions over an EpochWindow (no `cloudflare:*`), shared by the Durable Objects and the
 * Node-side benchmark so the two cannot drift apart.
 */
import type { Config } from "../core/config";
import { TOPIC_BUCKETS } from "../core/features";
import { assessAccount, type Assessment, type CoverageFigures } from "../core/policy";
import { classify, type PromptClass } from "../core/signals/classify";
import type { Ledger } from "../core/signals/ledger";
import { CUE_REASONING, CUE_RUBRIC, CUE_TASK } from "../core/signals/cues";
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

type PromptCounter = "requests" | "tokens" | "singleShot" | "harvest" | "fresh" | "unverified" | "history" | "elicit" | "task";

/**
 * Counters and sketches both subjects keep for a prompt. The sketches hold what was sent in each
 * epoch, repeats included (so a prompt re-sent stays in the window after its first epoch expires);
 * a repeat counts as a request and nothing more: every other counter is of fresh requests
 * (core/signals/classify.ts).
 */
function recordPrompt(w: AccountWindow | FingerprintWindow, now: number, p: PromptObservation, c: PromptClass): void {
  const x = w as EpochWindow<"prompts" | "templates", PromptCounter>;
  x.count(now, "requests");
  x.count(now, "tokens", p.tokens);
  x.insert(now, "prompts", p.prompt[0], p.prompt[1]);
  x.insert(now, "templates", p.template[0], p.template[1]);
  x.markTopic(now, p.topic);
  if (!c.fresh) return;
  x.count(now, "fresh");
  if (c.singleShot) x.count(now, "singleShot");
  if (c.history) x.count(now, "history");
  if (c.history && !c.verified) x.count(now, "unverified");
  if (p.harvest) x.count(now, "harvest");
  if (p.cues & (CUE_REASONING | CUE_RUBRIC)) x.count(now, "elicit");
  if (c.singleShot && p.cues & CUE_TASK) x.count(now, "task");
}

export function recordAccount(w: AccountWindow, obs: AccountObservation, now: number, c: PromptClass): void {
  const p = obs.prompt!;
  recordPrompt(w, now, p, c);
  w.insert(now, "conversations", p.conversation[0], p.conversation[1]);
  if (obs.network) w.insert(now, "networks", obs.network[0], obs.network[1]);
  if (obs.endUser) w.insert(now, "endUsers", obs.endUser[0], obs.endUser[1]);
  if (!c.fresh) {
    if (c.staleRepeat) {
      w.count(now, "staleRepeats");
      w.insert(now, "staleRepeats", p.prompt[0], p.prompt[1]);
    }
    return;
  }
  if (c.fast) w.count(now, "fast");
  if (c.history && p.cues & CUE_TASK) w.count(now, "taskTurns");
  if (p.longOutput) w.count(now, "longOutput");
  w.insertAll(now, "shingles", p.shingles);
  w.count(now, "shingleSamples", p.shingles.length >>> 1);
}

/** Conversation states and prompts an account remembers: two entries a fresh request, 4 KB. */
export const ACCOUNT_LEDGER_CAPACITY = 1024;

/**
 * What the account's object does with a prompt: classify it against what the account sent (the
 * ledger is updated), then count it. The caller keeps `lastFresh` (when `seen.fresh`).
 */
export function recordAccountPrompt(w: AccountWindow, ledger: Ledger, lastFresh: number | null, obs: AccountObservation, now: number, paceGapMs: number): PromptClass {
  const p = obs.prompt!;
  const seen = classify(ledger, { prompt: p.prompt[1] >>> 0, previous: p.previous, state: p.state, history: p.history }, lastFresh, now, paceGapMs);
  recordAccount(w, obs, now, seen);
  return seen;
}

/** The figures both subjects' policies read, from a window's (or merged windows') totals. */
export function coverageFigures(counter: (c: PromptCounter) => number, distinct: (s: "prompts" | "templates") => number, topics: number): CoverageFigures {
  return {
    requests: counter("requests"),
    fresh: counter("fresh"),
    distinctPrompts: distinct("prompts"),
    distinctTemplates: distinct("templates"),
    singleShot: counter("singleShot"),
    unverified: counter("unverified"),
    withHistory: counter("history"),
    harvest: counter("harvest"),
    elicit: counter("elicit"),
    task: counter("task"),
    topics,
    topicBuckets: TOPIC_BUCKETS,
  };
}

export function recordFingerprint(w: FingerprintWindow, obs: FingerprintObservation): void {
  const { now, account, prompt: p, seen: c } = obs;
  recordPrompt(w, now, p, c);
  w.insert(now, "accounts", account[0], account[1]);
  w.insert(now, "pairs", obs.pair[0], obs.pair[1]);
  if (!c.fresh) return;
  if (p.harvest) w.insert(now, "harvestAccounts", account[0], account[1]);
  if (p.cues & (CUE_REASONING | CUE_RUBRIC)) w.insert(now, "elicitAccounts", account[0], account[1]);
  if (c.singleShot && p.cues & CUE_TASK) w.insert(now, "taskAccounts", account[0], account[1]);
  if (c.history && !c.verified) w.insert(now, "unverifiedAccounts", account[0], account[1]);
}

/** The account's window figures as the policy reads them, and its score. */
export function assessAccountWindow(w: AccountWindow, now: number, cfg: Parameters<typeof assessAccount>[1]): Assessment {
  const f = w.figures(now);
  return assessAccount(
    {
      ...coverageFigures(
        (c) => f.counters[c],
        (s) => f.distinct[s],
        f.topics,
      ),
      fast: f.counters.fast,
      taskTurns: f.counters.taskTurns,
      staleRepeats: f.counters.staleRepeats,
      distinctStaleRepeats: f.distinct.staleRepeats,
      longOutput: f.counters.longOutput,
      shingles: f.distinct.shingles,
      shingleSamples: f.counters.shingleSamples,
      networks: f.distinct.networks,
      endUsers: f.distinct.endUsers,
    },
    cfg,
  );
}
