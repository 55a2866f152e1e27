/**
 * What the audit trail records, and how objects send to it. Entries hold ids, actions, reasons and
 * the figures behind a verdict; never a key or prompt. Sending never sits on the response path: it is
 * handed to waitUntil, and a failure is logged, not raised.
 */
import type { Assessment } from "../core/policy";
import type { ExtractionVerdict } from "../core/verdict";
import { auditLog } from "./audit-shards";
import { LEGACY_SHARD } from "./operator-shards";

export { auditLog } from "./audit-shards";

export type AuditAction = "throttle" | "block" | "allow-list" | "deny-list" | "limits" | "clear-override" | "lift" | "shadow";
export type AuditCause = "extraction" | "rate" | "override";

export interface AuditEntry {
  t: number;
  account: string | null;
  fingerprint: string | null;
  action: AuditAction;
  cause: AuditCause;
  reasons: string[];
  /** Score, ratios and sketch estimates behind a verdict; quotas for a rate throttle or override. */
  signals: Record<string, number>;
  until: number | null;
  /** Recorded in shadow mode: what enforcement would have done. */
  shadow: boolean;
  /** How it came about: `operator`, `fingerprint:<id>` for an adopted verdict, `shard:<n>`. */
  via: string | null;
  /**
   * Idempotency key: writes with the same key record one entry. The audit trail's router gives an
   * entry without one a fresh key before its first attempt, so its own retries never duplicate it.
   */
  key?: string;
}

export interface AuditRow extends AuditEntry {
  id: number;
}

/** The object of deployments from before sharding; it is shard 0 of the audit log now. */
export const AUDIT_OBJECT = LEGACY_SHARD;

/** Records an entry in the background of the current event (retried; a final failure is logged). */
export function sendAudit(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, entry: AuditEntry): void {
  const p = auditLog(env)
    .record(entry)
    .catch((err) => console.error(JSON.stringify({ event: "audit_failed", action: entry.action, error: String(err) })));
  ctx.waitUntil(p);
}

const round = (x: number) => Math.round(x * 100) / 100;

/** An extraction verdict as an audit entry: the score, the policy's ratios and the window's figures. */
export function verdictEntry(
  subject: { account: string | null; fingerprint: string | null },
  v: ExtractionVerdict,
  assessment: Assessment,
  figures: Record<string, number>,
  shadow: boolean,
  via: string | null,
): AuditEntry {
  // The policy's own signals win over a figure of the same name: they are what the verdict read.
  const signals: Record<string, number> = { score: round(v.score) };
  for (const [k, x] of Object.entries(figures)) signals[k] = Math.round(x);
  for (const [k, x] of Object.entries(assessment.signals)) signals[k] = x;
  return { t: v.since, ...subject, action: v.action === "block" ? "block" : "throttle", cause: "extraction", reasons: v.reasons, signals, until: v.until, shadow, via };
}
