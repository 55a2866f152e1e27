/**
 * The extraction policy: reads a subject's window figures and returns a score with the reasons
 * behind it. Each signal adds evidence; THROTTLE_SCORE and BLOCK_SCORE turn the sum into an action.
 * Signals are ratios of sketch estimates, not volumes, so heavy but ordinary traffic is not judged
 * by its size; the one volume signal (the distinct-prompt budget) is a backstop.
 */
import type { Config } from "./config";
import { expectedCoverage } from "./window";

export type Action = "allow" | "throttle" | "block";
export type Cause = "none" | "rate" | "extraction" | "override" | "error";

export interface Assessment {
  score: number;
  reasons: string[];
  /** The ratios behind the score, for operators and the dashboard. */
  signals: Record<string, number>;
}

/** What both subjects share: the figures of one detection window. */
export interface CoverageFigures {
  requests: number;
  distinctPrompts: number;
  distinctTemplates: number;
  singleShot: number;
  harvest: number;
  /** Fine topic buckets covered, and how many there are. */
  topics: number;
  topicBuckets: number;
}

export interface AccountFigures extends CoverageFigures {
  networks: number;
  endUsers: number;
}

export interface FingerprintFigures extends CoverageFigures {
  accounts: number;
  /** Distinct accounts seen in the last hour or two: a burst of fresh keys. */
  recentAccounts: number;
  /** Estimated sum over accounts of their distinct prompts (distinct account×prompt pairs). */
  accountPrompts: number;
}

type Policy = Pick<
  Config,
  | "MIN_REQUESTS"
  | "NOVELTY_RATIO"
  | "DISTINCT_PROMPT_BUDGET"
  | "TEMPLATE_REUSE"
  | "TOPIC_SPREAD"
  | "SINGLE_SHOT_RATIO"
  | "NETWORK_SPREAD"
  | "FP_MIN_ACCOUNTS"
  | "FP_NEW_ACCOUNTS_PER_HOUR"
  | "THROTTLE_SCORE"
  | "BLOCK_SCORE"
>;

const r2 = (x: number) => Math.round(x * 100) / 100;

/** Sweep evidence shared by accounts and fingerprints: novel, single-shot, broad, harvesting. */
function coverage(f: CoverageFigures, p: Policy, out: Assessment, who: string): void {
  const n = Math.max(1, f.requests);
  const novelty = Math.min(1, f.distinctPrompts / n);
  const singleShot = f.singleShot / n;
  const harvest = f.harvest / n;
  const templateRatio = f.distinctPrompts > 0 ? Math.min(1, f.distinctTemplates / f.distinctPrompts) : 1;
  const spread = f.topics / Math.max(1, expectedCoverage(f.topicBuckets, f.distinctPrompts));
  Object.assign(out.signals, { novelty: r2(novelty), singleShot: r2(singleShot), harvest: r2(harvest), templateRatio: r2(templateRatio), topicSpread: r2(spread) });

  if (novelty < p.NOVELTY_RATIO || singleShot < p.SINGLE_SHOT_RATIO) return;
  out.score += 0.5;
  out.reasons.push(`${who}: novel single-shot prompts (novelty ${r2(novelty)}, single-shot ${r2(singleShot)}, ${f.requests} requests)`);
  if (harvest >= 0.5) {
    out.score += 0.5;
    out.reasons.push(`${who}: output-harvesting parameters on ${Math.round(harvest * 100)}% of requests`);
  }
  if (spread >= p.TOPIC_SPREAD && f.distinctPrompts >= 8) {
    out.score += 0.5;
    out.reasons.push(`${who}: topic coverage ${r2(spread)} of uniform sampling`);
  }
  // One instruction over many inputs is a batch job; many templates each reused is a grid sweep.
  if (f.distinctTemplates <= 2 && templateRatio <= p.TEMPLATE_REUSE) {
    out.score -= 0.5;
    out.signals.batchLike = 1;
  } else if (f.distinctTemplates >= 3 && templateRatio <= p.TEMPLATE_REUSE) {
    out.score += 0.5;
    out.reasons.push(`${who}: template sweep (${Math.round(f.distinctTemplates)} templates over ${Math.round(f.distinctPrompts)} prompts)`);
  }
}

function budget(distinct: number, p: Policy, out: Assessment, who: string): void {
  if (distinct <= p.DISTINCT_PROMPT_BUDGET) return;
  const over = distinct / p.DISTINCT_PROMPT_BUDGET;
  out.score += over >= 2 ? 2 : 1;
  out.reasons.push(`${who}: ${Math.round(distinct)} distinct prompts in the window, over the budget`);
}

export function assessAccount(f: AccountFigures, p: Policy): Assessment {
  const out: Assessment = { score: 0, reasons: [], signals: {} };
  budget(f.distinctPrompts, p, out, "account");
  if (f.requests < p.MIN_REQUESTS) return out;
  coverage(f, p, out, "account");
  const networks = f.networks / f.requests;
  out.signals.networkSpread = r2(networks);
  if (networks >= p.NETWORK_SPREAD && f.networks >= 5) {
    out.score += 0.5;
    out.reasons.push(`account: ${Math.round(f.networks)} client networks over ${f.requests} requests (address rotation)`);
  }
  // An app that passes many end-user ids is many people behind one key: its breadth is expected.
  if (f.endUsers >= 10 && f.endUsers / f.requests >= 0.05) {
    out.score = Math.min(out.score, p.THROTTLE_SCORE * 0.5);
    out.signals.endUsers = Math.round(f.endUsers);
  }
  return out;
}

export function assessFingerprint(f: FingerprintFigures, p: Policy): Assessment {
  const out: Assessment = { score: 0, reasons: [], signals: { accounts: Math.round(f.accounts), recentAccounts: Math.round(f.recentAccounts) } };
  if (f.accounts < p.FP_MIN_ACCOUNTS || f.requests < p.MIN_REQUESTS) return out;
  coverage(f, p, out, "fingerprint");
  if (out.score <= 0) return out;
  // Partitioned datasets: accounts do not repeat each other's prompts, so the union is the sum.
  const partition = f.accountPrompts > 0 ? Math.min(1, f.distinctPrompts / f.accountPrompts) : 0;
  out.signals.partition = r2(partition);
  out.reasons.push(`fingerprint: ${Math.round(f.accounts)} accounts sharing one client`);
  out.score += 0.5;
  if (f.recentAccounts >= p.FP_NEW_ACCOUNTS_PER_HOUR) {
    out.score += 0.5;
    out.reasons.push(`fingerprint: burst of ${Math.round(f.recentAccounts)} accounts within the last hours`);
  }
  return out;
}

export function actionFor(score: number, p: Pick<Config, "THROTTLE_SCORE" | "BLOCK_SCORE">): Action {
  if (score >= p.BLOCK_SCORE) return "block";
  if (score >= p.THROTTLE_SCORE) return "throttle";
  return "allow";
}
