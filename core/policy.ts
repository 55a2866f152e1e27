/**
 * The extraction policy: reads a subject's window figures and returns a score with the evidence
 * behind it. THROTTLE_SCORE and BLOCK_SCORE turn the score into an action.
 *
 * A sweep sends prompts it never repeats, each on its own, at a volume and in a shape people do
 * not. But people also send unrelated single-shot questions, with today's SDK defaults, and many of
 * them share one SDK. So the shape of the stream (novel single-shot prompts) is only a *gate*: it
 * earns no score by itself. Behind it, each piece of evidence is something a person's question
 * stream does not show and a harvest cannot drop without giving up what it harvests: scoring
 * parameters, a template grid, reasoning or rubric elicitation on most prompts, dataset-style tasks
 * on most prompts, conversations this account never had, machine pacing, address rotation, and for
 * fingerprints, many accounts on one network. Throttling takes two pieces. Retries of a prompt the
 * account already sent are left out of every ratio (`fresh` requests), so neither padding nor an
 * SDK's retries move a verdict.
 */
import type { Config } from "./config";
import { expectedCoverage } from "./window";

export type Action = "allow" | "throttle" | "block";
export type Cause = "none" | "rate" | "extraction" | "override" | "error";

/** The signals a verdict can rest on; each can be put in shadow on its own (SHADOW_SIGNALS). */
export const SIGNALS = [
  "harvest",
  "templateGrid",
  "batchJob",
  "elicitation",
  "taskStyle",
  "fabricatedHistory",
  "taskTurns",
  "singleShotVolume",
  "padding",
  "machinePace",
  "addressRotation",
  "endUserIds",
  "sharedNetwork",
  "accountBurst",
  "promptBudget",
  "sharedFrame",
] as const;
export type Signal = (typeof SIGNALS)[number];

export interface Evidence {
  signal: Signal;
  weight: number;
  reason: string;
}

export interface Assessment {
  score: number;
  /** The reasons of the evidence that scored, strongest first; shadowed evidence is marked. */
  reasons: string[];
  evidence: Evidence[];
  /** The figures behind the score, for operators and the dashboard. */
  signals: Record<string, number>;
}

/** What both subjects share: the figures of one detection window. */
export interface CoverageFigures {
  /** Every request on an inspected path. */
  requests: number;
  /** Requests that were not a repeat of something the account had already sent. */
  fresh: number;
  distinctPrompts: number;
  distinctTemplates: number;
  /** Fresh requests with no history, or with a history this account never built with us. */
  singleShot: number;
  /** Fresh requests whose history this account never built with us. */
  unverified: number;
  /** Fresh requests with a history (verified or not). */
  withHistory: number;
  /** Fresh requests asking for logprobs or several choices. */
  harvest: number;
  /** Fresh requests asking for a reasoning trace or a rubric judgement. */
  elicit: number;
  /** Fresh single-shot requests phrased as a dataset task. */
  task: number;
  topics: number;
  topicBuckets: number;
}

export interface AccountFigures extends CoverageFigures {
  /** Fresh requests that came within PACE_GAP_S of the account's previous fresh one. */
  fast: number;
  /** Repeats of a request sent long before (not an immediate retry), and how many prompts they re-sent. */
  staleRepeats: number;
  distinctStaleRepeats: number;
  /** Fresh requests with a history whose new turn is phrased as a dataset task. */
  taskTurns: number;
  /** Fresh requests with an explicit max_tokens of 4096 or more. */
  longOutput: number;
  /** Distinct sampled shingles, and sampled shingles sent: reported, not scored. */
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
  /** The fingerprint names a network (address prefix and ASN) as well as a client. */
  networkBound: boolean;
  /** Accounts that sent at least one fresh request carrying each kind of evidence. */
  accountsWith: { harvest: number; elicit: number; task: number; unverified: number };
}

export type PolicyConfig = Pick<
  Config,
  | "MIN_REQUESTS"
  | "NOVELTY_RATIO"
  | "SINGLE_SHOT_RATIO"
  | "HARVEST_RATIO"
  | "ELICIT_RATIO"
  | "TASK_RATIO"
  | "TASK_TURN_RATIO"
  | "FABRICATED_RATIO"
  | "PACE_RATIO"
  | "SINGLES_BUDGET"
  | "PADDING_RATIO"
  | "DISTINCT_PROMPT_BUDGET"
  | "TEMPLATE_REUSE"
  | "NETWORK_SPREAD"
  | "FP_MIN_ACCOUNTS"
  | "FP_SINGLE_SHOT_RATIO"
  | "FP_NEW_ACCOUNTS_PER_HOUR"
  | "FRAME_MIN_ACCOUNTS"
  | "THROTTLE_SCORE"
  | "BLOCK_SCORE"
  | "SHADOW_SIGNAL_SET"
>;

const r2 = (x: number) => Math.round(x * 100) / 100;
const share = (part: number, whole: number) => (whole > 0 ? Math.min(1, part / whole) : 0);

/** Templates at which a template-driven stream stops looking like one batch job and becomes a grid. */
const GRID_TEMPLATES = 5;
/** Requests carrying a cue before its share is read: a few asks for steps are ordinary. */
const MIN_ELICIT = 8;
const MIN_TASKS = 12;
/** Dataset-style tasks at which the task share counts double: no person types this many in a window. */
const MANY_TASKS = 40;
const MIN_UNVERIFIED = 5;
/**
 * Dataset tasks inside conversations: a campaign that chains its prompts into real conversations
 * (no single-shot shape, every history ours) still asks a new task on most turns; people's turns
 * follow up on the answer. Share of conversation turns that are tasks, per key with at least 10
 * turns: people 0–0.36 in every scenario here (most under 0.2), such campaigns 0.51–0.70.
 */
const MIN_TASK_TURNS = 12;
/** Above the ratio by this much, the share counts double: still 0.14 clear of any person here. */
const STRONG_TASK_TURN_MARGIN = 0.05;
/** Strong tiers: a share this high over this many requests is no accident of a person's habits. */
const STRONG_SHARE = 0.8;
const STRONG_ELICIT = 40;
const STRONG_UNVERIFIED = 13;
export const MIN_STALE_REPEATS = 10;
/** Distinct prompts re-sent over re-sends: padding 0.77–0.83 in our scenarios, people 0.13–0.59. */
export const PADDING_SPREAD = 0.7;
/** End users: an app's ids come back, several requests each; ids invented per request do not. */
export const MIN_END_USERS = 10;
const REQUESTS_PER_END_USER = 2;

interface Shape {
  novelty: number;
  singleShot: number;
  templateRatio: number;
  topicSpread: number;
}

function shapeOf(f: CoverageFigures): Shape {
  const distinct = Math.min(f.distinctPrompts, f.fresh);
  return {
    novelty: share(distinct, f.fresh),
    singleShot: share(f.singleShot, f.fresh),
    templateRatio: distinct > 0 ? Math.min(1, f.distinctTemplates / distinct) : 1,
    topicSpread: f.topics / Math.max(1, expectedCoverage(f.topicBuckets, distinct)),
  };
}

class Scorer {
  readonly out: Assessment;
  constructor(
    private readonly p: PolicyConfig,
    signals: Record<string, number>,
  ) {
    this.out = { score: 0, reasons: [], evidence: [], signals };
  }

  add(signal: Signal, weight: number, reason: string): void {
    const shadowed = this.p.SHADOW_SIGNAL_SET.has(signal);
    this.out.evidence.push({ signal, weight: shadowed ? 0 : weight, reason });
    if (shadowed) {
      this.out.reasons.push(`(shadow) ${reason}`);
      return;
    }
    this.out.score += weight;
    this.out.reasons.push(reason);
  }

  /** Positive evidence that scored so far. */
  scored(): number {
    return this.out.evidence.reduce((n, e) => n + Math.max(0, e.weight), 0);
  }
}

/** Whether the stream is novel single-shot prompts: the gate every sweep signal sits behind. */
function gated(f: CoverageFigures, s: Shape, p: PolicyConfig, singleShotRatio: number): boolean {
  return f.fresh >= p.MIN_REQUESTS && s.novelty >= p.NOVELTY_RATIO && s.singleShot >= singleShotRatio;
}

/**
 * Evidence both subjects read, behind the gate. Returns false for a batch job (one instruction
 * over many inputs, not harvesting): task phrasing, pace and volume are what a batch job is, so
 * the caller reads no more evidence of that kind.
 */
function sweepEvidence(f: CoverageFigures, s: Shape, p: PolicyConfig, sc: Scorer, who: string, carried: (k: CarriedBy) => boolean = () => true, longAnswers = false): boolean {
  const harvest = share(f.harvest, f.fresh);
  const harvesting = harvest >= p.HARVEST_RATIO && carried("harvest");
  if (harvesting) sc.add("harvest", 0.5, `${who}: logprobs or several choices asked on ${Math.round(harvest * 100)}% of novel single-shot requests`);
  const elicit = share(f.elicit, f.fresh);
  const eliciting = f.elicit >= MIN_ELICIT && elicit >= p.ELICIT_RATIO && carried("elicit");
  const strongElicit = f.elicit >= STRONG_ELICIT && elicit >= STRONG_SHARE;
  if (eliciting) sc.add("elicitation", strongElicit ? 1 : 0.5, `${who}: reasoning traces or rubric grading asked on ${Math.round(elicit * 100)}% of ${Math.round(f.fresh)} requests`);
  const unverified = share(f.unverified, f.withHistory);
  if (f.unverified >= MIN_UNVERIFIED && unverified >= p.FABRICATED_RATIO && carried("unverified")) {
    const strong = f.unverified >= STRONG_UNVERIFIED && unverified >= STRONG_SHARE;
    sc.add("fabricatedHistory", strong ? 1 : 0.5, `${who}: ${Math.round(f.unverified)} requests carry conversation histories never held here (${Math.round(unverified * 100)}% of histories)`);
  }
  // Several templates each reused over many inputs is a grid sweep; one or a few is a batch job.
  const templates = Math.round(f.distinctTemplates);
  if (s.templateRatio <= p.TEMPLATE_REUSE && templates < GRID_TEMPLATES) {
    // Long answers to every input are no batch job's need but a harvest's: a sweep that goes
    // template by template looks like a batch job until its fifth template.
    if (!harvesting && !eliciting && !longAnswers) {
      sc.add("batchJob", 0, `${who}: one instruction over many inputs (${templates} templates), as a batch job`);
      return false;
    }
  } else if (s.templateRatio <= p.TEMPLATE_REUSE) {
    sc.add("templateGrid", 0.5, `${who}: template grid (${templates} templates over ${Math.round(f.distinctPrompts)} prompts)`);
  }
  const task = share(f.task, f.singleShot);
  if (f.task >= MIN_TASKS && task >= p.TASK_RATIO && carried("task")) {
    sc.add("taskStyle", f.task >= MANY_TASKS ? 1 : 0.5, `${who}: ${Math.round(f.task)} single-shot prompts phrased as dataset tasks (${Math.round(task * 100)}%)`);
  }
  return true;
}

type CarriedBy = keyof FingerprintFigures["accountsWith"];

/**
 * A fingerprint's verdict applies to every account behind it, so its evidence must be carried by
 * most of them: one heavy campaign key on a crowd's SDK stack must not make the crowd's ratios.
 */
const FP_CARRIED_SHARE = 0.8;

function budget(distinct: number, p: PolicyConfig, sc: Scorer, who: string): void {
  if (distinct <= p.DISTINCT_PROMPT_BUDGET) return;
  sc.add("promptBudget", distinct >= 2 * p.DISTINCT_PROMPT_BUDGET ? 2 : 1, `${who}: ${Math.round(distinct)} distinct prompts in the window, over the budget`);
}

function signalsOf(f: CoverageFigures, s: Shape): Record<string, number> {
  return {
    novelty: r2(s.novelty),
    singleShot: r2(s.singleShot),
    harvest: r2(share(f.harvest, f.fresh)),
    elicit: r2(share(f.elicit, f.fresh)),
    task: r2(share(f.task, f.singleShot)),
    unverified: r2(share(f.unverified, f.withHistory)),
    templateRatio: r2(s.templateRatio),
    topicSpread: r2(s.topicSpread),
    repeats: Math.round(f.requests - f.fresh),
  };
}

export function assessAccount(f: AccountFigures, p: PolicyConfig): Assessment {
  const s = shapeOf(f);
  const sc = new Scorer(p, signalsOf(f, s));
  const pace = share(f.fast, f.fresh);
  sc.out.signals.pace = r2(pace);
  sc.out.signals.shingleNovelty = r2(share(f.shingles, f.shingleSamples));
  const longAnswers = share(f.longOutput, f.fresh) >= p.HARVEST_RATIO;
  if (gated(f, s, p, p.SINGLE_SHOT_RATIO) && sweepEvidence(f, s, p, sc, "account", undefined, longAnswers)) {
    // A volume of novel single-shot prompts no person types in one window; by itself only half the
    // evidence, since a script of one's own can send as many. Per account: a crowd's sum is no tell.
    if (f.singleShot >= p.SINGLES_BUDGET) {
      sc.add("singleShotVolume", f.singleShot >= 3 * p.SINGLES_BUDGET ? 1 : 0.5, `account: ${Math.round(f.singleShot)} novel single-shot prompts in the window`);
    }
    if (pace >= p.PACE_RATIO) sc.add("machinePace", pace >= STRONG_SHARE ? 1 : 0.5, `account: ${Math.round(pace * 100)}% of novel prompts sent seconds after the one before`);
    // Re-sending old prompts hours later holds a novelty ratio down. People come back to a few
    // prompts of their own many times; padding spreads its re-sends over what it sent, once each.
    const padding = share(f.staleRepeats, f.requests);
    const spread = share(f.distinctStaleRepeats, f.staleRepeats);
    sc.out.signals.staleRepeats = Math.round(f.staleRepeats);
    sc.out.signals.repeatSpread = r2(spread);
    if (f.staleRepeats >= MIN_STALE_REPEATS && padding >= p.PADDING_RATIO && spread >= PADDING_SPREAD)
      sc.add("padding", 0.5, `account: ${Math.round(f.staleRepeats)} re-sends of prompts sent long before (${Math.round(padding * 100)}% of requests)`);
  }
  // Conversations are outside the single-shot gate; novelty still holds them to what a sweep sends.
  const taskTurns = share(f.taskTurns, f.withHistory);
  sc.out.signals.taskTurns = r2(taskTurns);
  if (f.taskTurns >= MIN_TASK_TURNS && taskTurns >= p.TASK_TURN_RATIO && s.novelty >= p.NOVELTY_RATIO) {
    const strong = taskTurns >= p.TASK_TURN_RATIO + STRONG_TASK_TURN_MARGIN;
    sc.add("taskTurns", strong ? 1 : 0.5, `account: ${Math.round(f.taskTurns)} conversation turns are new dataset tasks, not follow-ups (${Math.round(taskTurns * 100)}% of turns)`);
  }
  // Slow campaigns send a few prompts per key from a new address each time: too few for the sweep
  // gate, but no person moves network on nearly every request.
  const networkSpread = share(f.networks, f.fresh);
  sc.out.signals.networkSpread = r2(networkSpread);
  if (f.fresh >= 5 && f.networks >= 5 && networkSpread >= p.NETWORK_SPREAD && s.novelty >= p.NOVELTY_RATIO && s.singleShot >= 0.9) {
    sc.add("addressRotation", 1, `account: ${Math.round(f.networks)} client networks over ${Math.round(f.fresh)} novel single-shot requests (address rotation)`);
  }
  // Many people behind one key are broad by nature, but only traffic that looks like many people
  // earns that: ids that come back. A key that invents an id per request gets no cap, and the
  // invention is itself evidence.
  if (f.endUsers >= MIN_END_USERS) {
    sc.out.signals.endUsers = Math.round(f.endUsers);
    const perUser = f.fresh / f.endUsers;
    if (perUser >= REQUESTS_PER_END_USER) {
      sc.out.signals.appLike = 1;
      sc.out.score = Math.min(sc.out.score, p.THROTTLE_SCORE / 2);
    } else if (perUser < REQUESTS_PER_END_USER && gated(f, s, p, p.SINGLE_SHOT_RATIO)) {
      sc.add("endUserIds", 0.5, `account: ${Math.round(f.endUsers)} end-user ids that almost never come back (${r2(perUser)} requests each)`);
    }
  }
  budget(f.distinctPrompts, p, sc, "account");
  return sc.out;
}

export function assessFingerprint(f: FingerprintFigures, p: PolicyConfig): Assessment {
  const s = shapeOf(f);
  const sc = new Scorer(p, { ...signalsOf(f, s), accounts: Math.round(f.accounts), recentAccounts: Math.round(f.recentAccounts) });
  const partition = f.accountPrompts > 0 ? Math.min(1, f.distinctPrompts / f.accountPrompts) : 0;
  sc.out.signals.partition = r2(partition);
  // One account's traffic is that account's business; a fingerprint speaks for several. Many
  // people share one SDK, so sharing a client is no evidence: only what the traffic shows is.
  if (f.accounts < p.FP_MIN_ACCOUNTS || !gated(f, s, p, p.FP_SINGLE_SHOT_RATIO)) return sc.out;
  const carried = (k: CarriedBy) => f.accountsWith[k] >= FP_CARRIED_SHARE * f.accounts;
  if (!sweepEvidence(f, s, p, sc, "fingerprint", carried)) return sc.out;
  if (f.networkBound) sc.add("sharedNetwork", 0.5, `fingerprint: ${Math.round(f.accounts)} accounts sending novel single-shot prompts through one client on one network`);
  // A burst of fresh keys is what a crowd's growth looks like too; it counts only on top of other evidence.
  if (sc.scored() >= 0.5 && f.recentAccounts >= p.FP_NEW_ACCOUNTS_PER_HOUR) sc.add("accountBurst", 0.5, `fingerprint: burst of ${Math.round(f.recentAccounts)} accounts within two hours`);
  return sc.out;
}

/** What a frame's object counted in its window (core/signals/frames.ts). */
export interface FrameFigures {
  /** Eligible requests: fresh, single-shot, from new accounts, an input inside a specific frame. */
  requests: number;
  accounts: number;
  prompts: number;
  /** Time from the first to the last account's arrival in the window (ms). */
  spanMs: number;
}

/**
 * Distinct prompts over requests a frame needs: people who share a frame ask the same popular
 * questions, a dataset sends each row once.
 */
const FRAME_NOVELTY = 0.95;

/**
 * A frame is the instruction around an input. When many new accounts each send a few distinct
 * inputs inside the same specific instruction, the frame is a dataset's, swept across keys so no
 * key reaches the account gate. Its verdict reaches only new accounts' requests in that frame.
 */
export function assessFrame(f: FrameFigures, p: PolicyConfig): Assessment {
  const novelty = share(f.prompts, f.requests);
  const sc = new Scorer(p, { accounts: f.accounts, prompts: f.prompts, requests: f.requests, novelty: r2(novelty), spanHours: r2(f.spanMs / 3600_000) });
  if (f.accounts < p.FRAME_MIN_ACCOUNTS || novelty < FRAME_NOVELTY) return sc.out;
  const many = f.accounts >= 2 * p.FRAME_MIN_ACCOUNTS;
  const hours = Math.max(1, Math.round(f.spanMs / 3600_000));
  sc.add("sharedFrame", many ? 2 : 1, `frame: ${f.accounts} new accounts sent ${f.prompts} distinct single-shot inputs inside one instruction frame within ${hours} h (a dataset swept across keys)`);
  return sc.out;
}

export function actionFor(score: number, p: Pick<Config, "THROTTLE_SCORE" | "BLOCK_SCORE">): Action {
  if (score >= p.BLOCK_SCORE) return "block";
  if (score >= p.THROTTLE_SCORE) return "throttle";
  return "allow";
}
