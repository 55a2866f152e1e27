/**
 * What the campaign views read from the guard's objects: the flagged list (registry), the recent
 * accounts and client facts of fingerprints (each shard's snapshot), the members' first and last
 * sight and fingerprints (their account objects), and the audit trail. Only existing RPC methods.
 * Reads are bounded (MAX_*), so one operator call stays within a Worker's subrequest budget; a
 * campaign view says `truncated` when a bound was reached.
 */
import { type AccountFacts, type CampaignGroup, type FingerprintFacts, type FlaggedSubject, fingerprintsToRead, groupCampaigns, linkedAccounts } from "../core/campaigns/group";
import { hmacHex } from "../core/hash";
import type { AuditRow } from "../durable-objects/audit";
import { auditLog } from "../durable-objects/audit-shards";
import { AUDIT_PAGE_MAX } from "../durable-objects/audit-log";
import type { FingerprintSnapshot } from "../durable-objects/fingerprint-guard";
import { fingerprintShardName, type FingerprintClient } from "../durable-objects/protocol";
import { guardRegistry } from "../durable-objects/registry";
import type { GuardContext } from "./context";

/** Fingerprints and accounts read per call; past them a campaign is shown from what was read. */
export const MAX_FINGERPRINTS = 64;
export const MAX_ACCOUNTS = 400;
/** Audit pages (of AUDIT_PAGE_MAX entries) read for one campaign's timeline. */
const MAX_AUDIT_PAGES = 5;
const PARALLEL = 16;

export interface FingerprintRead extends FingerprintFacts {
  client: FingerprintClient | null;
  shards: FingerprintSnapshot[];
}

export interface CampaignWorld {
  now: number;
  flagged: FlaggedSubject[];
  groups: { id: string; group: CampaignGroup }[];
  accounts: Map<string, AccountFacts>;
  fingerprints: Map<string, FingerprintRead>;
  truncated: boolean;
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Campaign ids: `c` and 16 hex digits of a keyed hash of the campaign's root subject (core/campaigns/group.ts). */
export const CAMPAIGN_ID = /^c[0-9a-f]{16}$/;

export async function campaignIdFor(secret: string, root: string): Promise<string> {
  return `c${await hmacHex(secret, `campaign:${root}`, 8)}`;
}

export async function readFingerprint(env: Env, gc: GuardContext, id: string, now: number): Promise<FingerprintRead> {
  const shards = await Promise.all(Array.from({ length: gc.cfg.FP_SHARDS }, (_, s) => env.FINGERPRINT_GUARD.getByName(fingerprintShardName(id, s)).snapshot(now)));
  const seen = shards.filter((s) => s.firstSeen !== null);
  const accounts = new Map<string, number>();
  for (const s of seen) for (const a of s.accounts) accounts.set(a.id, Math.max(a.lastSeen, accounts.get(a.id) ?? 0));
  return {
    id,
    accounts: [...accounts].map(([a, lastSeen]) => ({ id: a, lastSeen })).sort((a, b) => b.lastSeen - a.lastSeen),
    firstSeen: seen.length ? Math.min(...seen.map((s) => s.firstSeen!)) : null,
    lastSeen: seen.length ? Math.max(...seen.map((s) => s.lastSeen ?? 0)) : null,
    client: seen.find((s) => s.client)?.client ?? null,
    shards: seen,
  };
}

async function readAccount(env: Env, id: string, now: number): Promise<AccountFacts> {
  const v = await env.ACCOUNT_GUARD.getByName(id).view(now);
  // `models` is absent in a view from an object deployed before the guard kept them.
  return { id, fingerprints: v.fingerprints, firstSeen: v.firstSeen, lastSeen: v.lastSeen, models: v.models ?? [] };
}

/** Every current campaign, from the flagged list and the evidence behind it. */
export async function loadCampaigns(env: Env, gc: GuardContext, now: number): Promise<CampaignWorld> {
  const list = await guardRegistry(env).flagged(now);
  const flagged: FlaggedSubject[] = [...list.fingerprints, ...list.accounts].map((e) => ({
    kind: e.kind,
    id: e.id,
    action: e.action,
    reasons: e.reasons,
    since: e.since,
    until: e.until,
    shadow: e.shadow,
    ...(e.via ? { via: e.via } : {}),
  }));
  let truncated = false;
  let fpIds = fingerprintsToRead(flagged);
  if (fpIds.length > MAX_FINGERPRINTS) [fpIds, truncated] = [fpIds.slice(0, MAX_FINGERPRINTS), true];
  const fps = await mapLimit(fpIds, PARALLEL, (id) => readFingerprint(env, gc, id, now));
  let accountIds = [...new Set([...flagged.filter((f) => f.kind === "account").map((f) => f.id), ...linkedAccounts(flagged, fps)])];
  if (accountIds.length > MAX_ACCOUNTS) [accountIds, truncated] = [accountIds.slice(0, MAX_ACCOUNTS), true];
  const accounts = await mapLimit(accountIds, PARALLEL, (id) => readAccount(env, id, now));
  const groups = groupCampaigns(flagged, accounts, fps);
  const ids = await Promise.all(groups.map((g) => campaignIdFor(gc.secret, g.root)));
  return {
    now,
    flagged,
    groups: groups.map((group, i) => ({ id: ids[i]!, group })),
    accounts: new Map(accounts.map((a) => [a.id, a])),
    fingerprints: new Map(fps.map((f) => [f.id, f])),
    truncated,
  };
}

/** Audit entries about the campaign's subjects from its first sight on, oldest first. */
export async function campaignAudit(env: Env, group: CampaignGroup, campaignId: string, now: number): Promise<{ rows: AuditRow[]; truncated: boolean }> {
  const log = auditLog(env);
  const accounts = new Set(group.accounts);
  const fps = new Set(group.fingerprints);
  const mine = (r: AuditRow) => (r.account !== null && accounts.has(r.account)) || (r.fingerprint !== null && fps.has(r.fingerprint)) || r.via === `campaign:${campaignId}`;
  const rows: AuditRow[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_AUDIT_PAGES; page++) {
    const res = await log.query({ from: group.firstSeen ?? 0, to: now + 1, limit: AUDIT_PAGE_MAX, order: "asc", after });
    rows.push(...res.entries.filter(mine));
    if (res.next === null) return { rows, truncated: false };
    after = res.next;
  }
  return { rows, truncated: true };
}
