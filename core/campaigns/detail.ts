/**
 * One campaign as the operator API and the evidence report show it: the list entry, its members,
 * the evidence that links them, its timeline (first and last sight of members, verdicts with their
 * figures, operators' actions), its model mix and coverage growth of its flagged fingerprints. Ids, times, numbers,
 * reason texts and client facts only: never an API key or prompt.
 */
import type { SeriesPoint } from "../series";
import type { Link } from "./group";
import type { CampaignModel, ModelSwitch } from "./models";
import type { IndicatorSource } from "./stix";
import type { TimingEvidence } from "./timing";

export interface CampaignSummary {
  id: string;
  accounts: string[];
  fingerprints: string[];
  firstSeen: number | null;
  lastSeen: number | null;
  action: string;
  reasons: string[];
  shadow: boolean;
  flagged: { accounts: number; fingerprints: number };
}

export interface Member {
  account: string;
  /** The account's own entry in the flagged list, or null when the evidence alone links it. */
  flagged: { action: string; reasons: string[]; since: number; until: number | null; via: string | null } | null;
  firstSeen: number | null;
  lastSeen: number | null;
  fingerprints: string[];
}

/** A client behind the campaign: what its STIX indicator is built from, and what links it. */
export interface ClientEvidence extends IndicatorSource {
  networkBound: boolean;
  flagged: boolean;
  recentAccounts: number;
}

export interface TimelineEvent {
  t: number;
  event: "first-seen" | "last-seen" | "verdict" | "rate-throttle" | "override" | "lift";
  account: string | null;
  fingerprint: string | null;
  action?: string;
  reasons?: string[];
  /** The figures behind a verdict (score, ratios, sketch estimates), or an override's quotas. */
  signals?: Record<string, number>;
  until?: number | null;
  shadow?: boolean;
  via?: string | null;
}

export interface CampaignDetail extends CampaignSummary {
  members: Member[];
  evidence: { links: Link[]; timing: TimingEvidence; clients: ClientEvidence[]; modelSwitches: ModelSwitch[] };
  timeline: TimelineEvent[];
  /** The model mix: per model the members asked for, the campaign's first and last use, requests and members. */
  models: CampaignModel[];
  /** Per flagged fingerprint, per detection epoch: how coverage grew (merged over shards). */
  coverage: { fingerprint: string; series: SeriesPoint[] }[];
  /** True when a bound on what is read was reached (see docs/operators.md, "Campaigns"). */
  truncated: boolean;
}

export const REPORT_FORMAT = "distill-guard/evidence-report/v1";

/** The signed part of an evidence report: self-contained, so it can be shown unaltered later. */
export interface ReportPayload {
  format: typeof REPORT_FORMAT;
  generatedAt: string;
  generatedAtMs: number;
  mode: string;
  campaign: CampaignDetail;
  /** The timeline's verdicts, with the figures each was reached on. */
  verdicts: TimelineEvent[];
  /** Operators' overrides and lifts on members, in time order. */
  overrides: TimelineEvent[];
}

export function reportPayload(detail: CampaignDetail, now: number, mode: string): ReportPayload {
  return {
    format: REPORT_FORMAT,
    generatedAt: new Date(now).toISOString(),
    generatedAtMs: now,
    mode,
    campaign: detail,
    verdicts: detail.timeline.filter((e) => e.event === "verdict"),
    overrides: detail.timeline.filter((e) => e.event === "override" || e.event === "lift"),
  };
}
