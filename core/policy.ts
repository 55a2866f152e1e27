/**
 * The extraction policy: reads a subject's window figures and returns a score with the reasons
 * behind it. Each signal adds evidence; THROTTLE_SCORE and BLOCK_SCORE turn the sum into an action.
 *
 * The signals describe a *coverage pattern*, not volume: a sweep sends prompts it never repeats,
 * each on its own (no conversation), often with parameters that maximise what each answer yields,
 * across many templates or topics, and (for hydras and slow campaigns) from many fresh accounts that
 * share one client or rotate addresses. People repeat themselves and hold conversations; apps repeat
 * a system prompt over many end users; batch jobs repeat one instruction over many inputs.
 * Everything but the budget is a ratio of sketch estimates, so heavy ordinary traffic is not judged
 * by its size.
 */
import type { Config } from "./config";
import { expectedCoverage } from "./window";

export type Action = "allow" | "throttle" | "block";
export type Cause = "none" | "rate" | "extraction" | "override" | "error";

export interface Assessment {
  score: number;
  reasons: string[];
  /** The figures behind the score, for operators and the dashboard. */
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
  /** Distinct sampled shingles, and sampled shingles sent: their ratio is low for near-duplicates. */
  shingles: number;
  shingleSamples: number;
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

export type PolicyConfig = Pick<
  Config,
  | "MIN_REQUESTS"
  | "NOVELTY_RATIO"
  | "SINGLE_SHOT_RATIO"
  | "HARVEST_RATIO"
  | "NOVEL_SINGLES"
  | "SHINGLE_NOVELTY"
  | "DISTINCT_PROMPT_BUDGET"
  | "TEMPLATE_REUSE"
  | "NETWORK_SPREAD"
  | "FP_MIN_ACCOUNTS"
  | "FP_SINGLE_SHOT_RATIO"
  | "FP_NEW_ACCOUNTS_PER_HOUR"
  | "THROTTLE_SCORE"
  | "BLOCK_SCORE"
>;

const r2 = (x: number) => Math.round(x * 100) / 100;

/** Templates at which a template-driven stream stops looking like one batch job and becomes a grid. */
const GRID_TEMPLATES = 5;
/** Sampled shingles needed before their novelty is read. */
const MIN_SHINGLE_SAMPLES = 30;

interface Ratios {
  novelty: number;
  singleShot: number;
  harvest: number;
  templateRatio: number;
  topicSpread: number;
  novelSingles: number;
}

function ratios(f: CoverageFigures): Ratios {
  const n = Math.max(1, f.requests);
  const distinct = Math.min(f.distinctPrompts, f.requests);
  return {
    novelty: distinct / n,
    singleShot: f.singleShot / n,
    harvest: f.harvest / n,
    templateRatio: distinct > 0 ? Math.min(1, f.distinctTemplates / distinct) : 1,
    topicSpread: f.topics / Math.max(1, expectedCoverage(f.topicBuckets, distinct)),
    novelSingles: Math.min(f.singleShot, distinct),
  };
}

/** Whether the stream is novel single-shot prompts: the gate every sweep signal sits behind. */
function isNovelSingleShot(f: CoverageFigures, r: Ratios, p: PolicyConfig): boolean {
  return f.requests >= p.MIN_REQUESTS && r.novelty >= p.NOVELTY_RATIO && r.singleShot >= p.SINGLE_SHOT_RATIO;
}

/** Sweep evidence shared by accounts and fingerprints. */
function sweep(f: CoverageFigures, r: Ratios, p: PolicyConfig, out: Assessment, who: string): void {
  if (!isNovelSingleShot(f, r, p)) return;
  out.score += 0.5;
  out.reasons.push(`${who}: novel single-shot prompts (novelty ${r2(r.novelty)}, single-shot ${r2(r.singleShot)} over ${Math.round(f.requests)} requests)`);
  const harvesting = r.harvest >= p.HARVEST_RATIO;
  if (harvesting) {
    out.score += 0.5;
    out.reasons.push(`${who}: output-harvesting parameters on ${Math.round(r.harvest * 100)}% of requests`);
  }
  // One instruction over many inputs is a batch job, unless it also harvests; several templates
  // each reused over many inputs is a grid sweep.
  const templates = Math.round(f.distinctTemplates);
  if (r.templateRatio <= p.TEMPLATE_REUSE && templates < GRID_TEMPLATES) {
    if (!harvesting) {
      out.score -= 0.5;
      out.signals.batchLike = 1;
    }
  } else if (r.templateRatio <= p.TEMPLATE_REUSE) {
    out.score += 0.5;
    out.reasons.push(`${who}: template grid (${templates} templates over ${Math.round(f.distinctPrompts)} prompts)`);
  }
}

function budget(distinct: number, p: PolicyConfig, out: Assessment, who: string): void {
  if (distinct <= p.DISTINCT_PROMPT_BUDGET) return;
  out.score += distinct >= 2 * p.DISTINCT_PROMPT_BUDGET ? 2 : 1;
  out.reasons.push(`${who}: ${Math.round(distinct)} distinct prompts in the window, over the budget`);
}

function signalsOf(r: Ratios): Record<string, number> {
  return { novelty: r2(r.novelty), singleShot: r2(r.singleShot), harvest: r2(r.harvest), templateRatio: r2(r.templateRatio), topicSpread: r2(r.topicSpread), novelSingles: Math.round(r.novelSingles) };
}

export function assessAccount(f: AccountFigures, p: PolicyConfig): Assessment {
  const r = ratios(f);
  const out: Assessment = { score: 0, reasons: [], signals: signalsOf(r) };
  sweep(f, r, p, out, "account");
  // Many distinct single-shot prompts that share no phrasing: a person's variations and retries
  // reuse word sequences; a dataset's prompts do not.
  const shingleNovelty = f.shingleSamples > 0 ? Math.min(1, f.shingles / f.shingleSamples) : 0;
  out.signals.shingleNovelty = r2(shingleNovelty);
  if (isNovelSingleShot(f, r, p) && r.novelSingles >= p.NOVEL_SINGLES && f.shingleSamples >= MIN_SHINGLE_SAMPLES && shingleNovelty >= p.SHINGLE_NOVELTY) {
    out.score += 0.5;
    out.reasons.push(`account: ${Math.round(r.novelSingles)} distinct single-shot prompts with no near-duplicates (shingle novelty ${r2(shingleNovelty)})`);
  }
  // Slow campaigns send a few prompts per key from a new address each time: too few for the sweep
  // gate, but no person moves network on nearly every request.
  const networkSpread = f.requests > 0 ? f.networks / f.requests : 0;
  out.signals.networkSpread = r2(networkSpread);
  if (f.requests >= 5 && f.networks >= 5 && networkSpread >= p.NETWORK_SPREAD && r.novelty >= p.NOVELTY_RATIO && r.singleShot >= 0.9) {
    out.score += 1;
    out.reasons.push(`account: ${Math.round(f.networks)} client networks over ${Math.round(f.requests)} novel single-shot requests (address rotation)`);
  }
  // An app that passes many end-user ids is many people behind one key: breadth is expected of it.
  if (f.endUsers >= 10 && f.endUsers / Math.max(1, f.requests) >= 0.05) {
    out.signals.endUsers = Math.round(f.endUsers);
    out.score = Math.min(out.score, p.THROTTLE_SCORE / 2);
  }
  budget(f.distinctPrompts, p, out, "account");
  return out;
}

export function assessFingerprint(f: FingerprintFigures, p: PolicyConfig): Assessment {
  const r = ratios(f);
  const out: Assessment = { score: 0, reasons: [], signals: { ...signalsOf(r), accounts: Math.round(f.accounts), recentAccounts: Math.round(f.recentAccounts) } };
  // One account's traffic is that account's business; a fingerprint speaks for several.
  if (f.accounts < p.FP_MIN_ACCOUNTS || r.singleShot < p.FP_SINGLE_SHOT_RATIO) return out;
  sweep(f, r, p, out, "fingerprint");
  if (out.score <= 0) return out;
  // Campaigns partition their dataset: accounts do not repeat each other's prompts, so the union
  // of their prompt sets is close to the sum of their sizes.
  const partition = f.accountPrompts > 0 ? Math.min(1, f.distinctPrompts / f.accountPrompts) : 0;
  out.signals.partition = r2(partition);
  out.score += 0.5;
  out.reasons.push(`fingerprint: ${Math.round(f.accounts)} accounts sending through one client (prompt sets ${Math.round(partition * 100)}% disjoint)`);
  if (f.recentAccounts >= p.FP_NEW_ACCOUNTS_PER_HOUR) {
    out.score += 0.5;
    out.reasons.push(`fingerprint: burst of ${Math.round(f.recentAccounts)} accounts within two hours`);
  }
  return out;
}

export function actionFor(score: number, p: Pick<Config, "THROTTLE_SCORE" | "BLOCK_SCORE">): Action {
  if (score >= p.BLOCK_SCORE) return "block";
  if (score >= p.THROTTLE_SCORE) return "throttle";
  return "allow";
}
