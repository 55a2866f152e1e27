/**
 * How an extraction verdict evolves: it only escalates while active, and lapses at its expiry.
 * Keeping it monotone while active means a campaign cannot slip out of a throttle by diluting its
 * window with a few repeated prompts.
 */
import type { Config } from "./config";
import { actionFor, type Action, type Assessment } from "./policy";

export interface ExtractionVerdict {
  action: Action;
  reasons: string[];
  since: number;
  /** ms epoch; null: until an operator lifts it. */
  until: number | null;
  score: number;
  /** Requests that still scored as extraction while this throttle was active. */
  strikes?: number;
  /** Extraction blocks this subject has had, this one included: repeat offenders block sooner and longer. */
  offences?: number;
  /**
   * Why it has its action: its score reached the action's score, it escalated from a throttle the
   * subject kept sweeping through (`strikes` says after how many requests), a repeat offender's
   * probation, or a fingerprint's verdict the account adopted (`via`). Absent in verdicts stored
   * before it existed.
   */
  basis?: "score" | "escalation" | "repeat" | "fingerprint";
  via?: string;
}

/** One sentence for operators on why a verdict has its action (the score alone can be below the block score). */
export function verdictWhy(v: ExtractionVerdict, cfg: Pick<Config, "THROTTLE_SCORE" | "BLOCK_SCORE">): string {
  const score = Math.round(v.score * 100) / 100;
  const basis = v.basis ?? (v.action === "block" && v.score < cfg.BLOCK_SCORE ? ((v.offences ?? 1) > 1 ? "repeat" : "escalation") : "score");
  switch (basis) {
    case "escalation":
      return v.strikes ? `blocked after ${v.strikes} throttled requests (escalation)` : "blocked after it kept sweeping through a throttle (escalation)";
    case "repeat":
      return `blocked at once: blocked for extraction ${(v.offences ?? 2) - 1} time(s) before (repeat offence, score ${score})`;
    case "fingerprint":
      return `${v.action === "block" ? "blocked" : "throttled"} with its client fingerprint${v.via ? ` ${v.via}` : ""}`;
    default:
      return v.action === "block" ? `score ${score} ≥ block score ${cfg.BLOCK_SCORE}` : `score ${score} ≥ throttle score ${cfg.THROTTLE_SCORE}`;
  }
}

const SEVERITY: Record<Action, number> = { allow: 0, throttle: 1, block: 2 };

export function severity(a: Action): number {
  return SEVERITY[a];
}

export function isActive(v: ExtractionVerdict | null, now: number): v is ExtractionVerdict {
  return v !== null && v.action !== "allow" && (v.until === null || v.until > now);
}

/** Each further block lasts this many times the one before, up to BLOCK_GROWTH_MAX times BLOCK_S. */
const BLOCK_GROWTH = 4;
const BLOCK_GROWTH_MAX = 64;

export function nextVerdict(
  current: ExtractionVerdict | null,
  assessment: Assessment,
  now: number,
  cfg: Pick<Config, "THROTTLE_SCORE" | "BLOCK_SCORE" | "THROTTLE_S" | "BLOCK_S" | "ESCALATE_AFTER">,
): ExtractionVerdict | null {
  const active = isActive(current, now) ? current : null;
  const offences = current?.offences ?? 0;
  const { score } = assessment;
  let reasons = assessment.reasons;
  // A subject blocked before is on probation: half the evidence is enough, and it blocks at once.
  let action = actionFor(offences > 0 ? score * 2 : score, cfg);
  let basis: ExtractionVerdict["basis"] = "score";
  let escalatedAfter = 0;
  if (offences > 0 && action !== "allow" && actionFor(score, cfg) !== "block") {
    action = "block";
    basis = "repeat";
    reasons = [...reasons, `repeat offence: blocked for extraction ${offences} time(s) before`];
  }
  if (active?.action === "throttle" && action === "throttle") {
    // Sweeping on through a throttle is itself evidence. Counted in place: no write per strike.
    active.strikes = (active.strikes ?? 0) + 1;
    if (active.strikes < cfg.ESCALATE_AFTER) return active;
    action = "block";
    basis = "escalation";
    escalatedAfter = active.strikes;
    reasons = [...reasons, `kept sending extraction-like traffic through a throttle (${active.strikes} requests)`];
  }
  // Unchanged: keep the stored verdict, even a lapsed one, whose strikes and offences carry on.
  if (severity(action) <= severity(active?.action ?? "allow")) return current;
  if (action === "throttle") {
    // A throttle that follows a lapsed one carries its strikes, so waiting out each throttle and
    // resuming the sweep still ends in a block.
    const strikes = current?.action === "throttle" ? (current.strikes ?? 0) + 1 : 0;
    if (strikes < cfg.ESCALATE_AFTER) {
      return { action, reasons, since: now, until: now + cfg.THROTTLE_S * 1000, score, basis, ...(strikes ? { strikes } : {}), ...(offences ? { offences } : {}) };
    }
    action = "block";
    basis = "escalation";
    escalatedAfter = strikes;
    reasons = [...reasons, `kept sending extraction-like traffic through throttles (${strikes} requests)`];
  }
  const growth = Math.min(BLOCK_GROWTH_MAX, BLOCK_GROWTH ** offences);
  const until = cfg.BLOCK_S > 0 ? now + cfg.BLOCK_S * 1000 * growth : null;
  return { action: "block", reasons, since: now, until, score, basis, ...(escalatedAfter ? { strikes: escalatedAfter } : {}), offences: offences + 1 };
}
