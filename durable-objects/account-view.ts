/** What an account's object shows operators (GET /_guard/v1/accounts/{id}). */
import type { Assessment } from "../core/policy";
import type { ExtractionVerdict } from "../core/verdict";
import type { OverrideRecord } from "../core/override";
import type { SeriesPoint } from "../core/series";
import type { ModelUse } from "../core/campaigns/models";
import type { LimitState } from "./protocol";
import type { AccountCounter, AccountSketch } from "./schemas";

export interface AccountView {
  requests: number;
  otherRequests: number;
  distinct: Record<AccountSketch, number> & { topics: number };
  window: { ms: number; epochMs: number; counters: Record<AccountCounter, number> };
  /**
   * `score` is the score now; `why` says why the active verdict has its action (its own score,
   * an escalation after `strikes` throttled requests, a repeat offence, or a fingerprint's verdict).
   */
  verdict: {
    action: ExtractionVerdict["action"];
    reasons: string[];
    until: number | null;
    since: number | null;
    score: number;
    signals: Assessment["signals"];
    why: string | null;
    basis: ExtractionVerdict["basis"] | null;
    strikes: number | null;
  };
  fingerprints: string[];
  firstSeen: number | null;
  lastSeen: number | null;
  limits: LimitState[];
  storage: { bytesInMemory: number; rowsWritten: number; alarmsSet: number; inlineFlushes: number };
  override: OverrideRecord;
  /** Per-epoch figures of the detection window, oldest first. */
  series: SeriesPoint[];
  /** The models it asked for, most recently used first (at most MAX_MODELS). */
  models: ModelUse[];
}
