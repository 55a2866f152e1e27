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
}

const SEVERITY: Record<Action, number> = { allow: 0, throttle: 1, block: 2 };

export function severity(a: Action): number {
  return SEVERITY[a];
}

export function isActive(v: ExtractionVerdict | null, now: number): v is ExtractionVerdict {
  return v !== null && v.action !== "allow" && (v.until === null || v.until > now);
}

export function nextVerdict(
  current: ExtractionVerdict | null,
  assessment: Assessment,
  now: number,
  cfg: Pick<Config, "THROTTLE_SCORE" | "BLOCK_SCORE" | "THROTTLE_S" | "BLOCK_S" | "ESCALATE_AFTER">,
): ExtractionVerdict | null {
  const active = isActive(current, now) ? current : null;
  let action = actionFor(assessment.score, cfg);
  let reasons = assessment.reasons;
  if (active?.action === "throttle" && action === "throttle") {
    // Sweeping on through a throttle is itself evidence. Counted in place: no write per strike.
    active.strikes = (active.strikes ?? 0) + 1;
    if (active.strikes < cfg.ESCALATE_AFTER) return active;
    action = "block";
    reasons = [...assessment.reasons, `kept sending extraction-like traffic through a throttle (${active.strikes} requests)`];
  }
  // Unchanged: keep the stored verdict, even a lapsed one, whose strikes a later throttle carries.
  if (severity(action) <= severity(active?.action ?? "allow")) return current;
  const until = action === "block" ? (cfg.BLOCK_S > 0 ? now + cfg.BLOCK_S * 1000 : null) : now + cfg.THROTTLE_S * 1000;
  // A throttle that follows a lapsed one carries its strikes, so waiting out each throttle and
  // resuming the sweep still ends in a block.
  const strikes = action === "throttle" && current?.action === "throttle" ? (current.strikes ?? 0) + 1 : 0;
  if (strikes >= cfg.ESCALATE_AFTER) {
    return { action: "block", reasons: [...reasons, `kept sending extraction-like traffic through throttles (${strikes} requests)`], since: now, until: cfg.BLOCK_S > 0 ? now + cfg.BLOCK_S * 1000 : null, score: assessment.score };
  }
  return { action, reasons, since: now, until, score: assessment.score, ...(strikes ? { strikes } : {}) };
}
