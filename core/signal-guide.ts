/**
 * What the figures behind a verdict (Assessment.signals, core/policy.ts) mean to an operator: a
 * plain label, and the policy threshold each is compared with, read from the policy in force. The
 * dashboard shows them as "template ratio 0.62 > 0.20" rather than "templateRatio 0.62".
 */
import type { Config } from "./config";
import { MIN_END_USERS, MIN_STALE_REPEATS, PADDING_SPREAD } from "./policy";

export interface SignalGuide {
  label: string;
  /** What the figure is, and which side of the threshold is evidence. */
  meaning: string;
  /** The policy's threshold, when the figure is compared with one. */
  threshold?: number;
  /** Which side of `threshold` is evidence (or the gate passed). */
  evidence?: "at or above" | "at or below";
  /** The DETECTION_POLICY field the threshold comes from, when it is one. */
  field?: string;
}

type Policy = Pick<
  Config,
  | "NOVELTY_RATIO"
  | "SINGLE_SHOT_RATIO"
  | "FP_SINGLE_SHOT_RATIO"
  | "HARVEST_RATIO"
  | "ELICIT_RATIO"
  | "TASK_RATIO"
  | "TASK_TURN_RATIO"
  | "FABRICATED_RATIO"
  | "TEMPLATE_REUSE"
  | "PACE_RATIO"
  | "NETWORK_SPREAD"
  | "FP_MIN_ACCOUNTS"
  | "FP_NEW_ACCOUNTS_PER_HOUR"
>;

const above = (label: string, meaning: string, threshold: number, field?: string): SignalGuide => ({ label, meaning, threshold, evidence: "at or above", ...(field ? { field } : {}) });
const info = (label: string, meaning: string): SignalGuide => ({ label, meaning });

/** Every signal either subject reports, with its label and threshold under `p`. */
export function signalGuide(p: Policy, subject: "account" | "fingerprint"): Record<string, SignalGuide> {
  const fp = subject === "fingerprint";
  return {
    novelty: above("novel prompts", "distinct prompts over fresh requests; a sweep never repeats itself", p.NOVELTY_RATIO, "noveltyRatio"),
    singleShot: above("single-shot share", "fresh requests without a conversation built here", fp ? p.FP_SINGLE_SHOT_RATIO : p.SINGLE_SHOT_RATIO, fp ? "fpSingleShotRatio" : "singleShotRatio"),
    harvest: above("logprobs / several choices", "share of fresh requests asking for scoring parameters", p.HARVEST_RATIO, "harvestRatio"),
    elicit: above("reasoning / rubric asked", "share of fresh requests asking for a reasoning trace or a grading", p.ELICIT_RATIO, "elicitRatio"),
    task: above("dataset-style tasks", "share of single-shot prompts phrased as dataset tasks", p.TASK_RATIO, "taskRatio"),
    taskTurns: above("tasks as conversation turns", "share of conversation turns phrased as new dataset tasks rather than follow-ups", p.TASK_TURN_RATIO, "taskTurnRatio"),
    unverified: above("histories never held here", "share of conversation histories whose earlier turns this account never sent", p.FABRICATED_RATIO, "fabricatedRatio"),
    templateRatio: {
      label: "template ratio",
      meaning: "distinct templates over distinct prompts; a template grid or batch job is at or below the threshold",
      threshold: p.TEMPLATE_REUSE,
      evidence: "at or below",
      field: "templateReuse",
    },
    topicSpread: info("topic spread", "topics covered over what uniform sampling of as many prompts would cover; reported, not scored"),
    repeats: info("repeats", "requests that re-sent a prompt already sent; left out of every ratio"),
    pace: above("machine pace", "share of fresh requests sent within seconds of the one before", p.PACE_RATIO, "paceRatio"),
    shingleNovelty: info("shingle novelty", "distinct text shingles over shingles sent; reported, not scored"),
    staleRepeats: above("re-sends of old prompts", "re-sends of prompts sent long before (padding needs this many, spread over what was sent)", MIN_STALE_REPEATS),
    repeatSpread: above("re-send spread", "distinct prompts re-sent over re-sends: padding spreads, people repeat a few", PADDING_SPREAD),
    networkSpread: above("network spread", "distinct client networks over fresh requests: address rotation", p.NETWORK_SPREAD, "networkSpread"),
    endUsers: above("end-user ids", "distinct end-user ids passed by the caller", MIN_END_USERS),
    appLike: info("app-like", "1: end-user ids come back, as an app's do; the score is capped below a throttle"),
    accounts: above("accounts", "distinct accounts behind this fingerprint (judged from this many)", p.FP_MIN_ACCOUNTS, "fpMinAccounts"),
    recentAccounts: above("new accounts (2 h)", "distinct accounts within two hours: a burst of fresh keys", p.FP_NEW_ACCOUNTS_PER_HOUR, "fpNewAccountsPerHour"),
    partition: info("prompt partition", "distinct prompts over distinct account×prompt pairs: 1 when accounts split the work"),
    score: info("score", "the evidence's weight when the verdict was given"),
    // Window figures and limits that audit entries carry alongside the signals.
    requests: info("requests", "requests in the detection window"),
    prompts: info("distinct prompts", "distinct prompts in the detection window (sketch estimate)"),
    templates: info("distinct templates", "distinct templates in the detection window (sketch estimate)"),
    topics: info("topics", "topic buckets covered in the detection window"),
    networks: info("networks", "distinct client networks in the detection window"),
    quota: info("quota", "the limit's quota per period"),
    periodS: info("period (s)", "the limit's period in seconds"),
  };
}
