/**
 * A campaign's list entry and its full view (members, evidence, timeline, coverage), built from what
 * worker/campaign-data.ts read.
 */
import type { CampaignDetail, CampaignSummary, ClientEvidence, Member, TimelineEvent } from "../core/campaigns/detail";
import type { CampaignGroup } from "../core/campaigns/group";
import { modelMix, modelSwitches } from "../core/campaigns/models";
import { timingEvidence } from "../core/campaigns/timing";
import { epochSeries } from "../core/series";
import { Epoch } from "../core/window";
import type { AuditRow } from "../durable-objects/audit";
import { isNetworkFingerprint } from "../durable-objects/protocol";
import { FINGERPRINT_SCHEMA } from "../durable-objects/schemas";
import { campaignAudit, type CampaignWorld, type FingerprintRead, MAX_FINGERPRINTS, mapLimit, readFingerprint } from "./campaign-data";
import type { GuardContext } from "./context";

/** Timeline entries kept: verdicts and operators' actions first, then members' first and last sight. */
const MAX_TIMELINE = 2000;

export function summaryOf(id: string, g: CampaignGroup): CampaignSummary {
  return {
    id,
    accounts: g.accounts,
    fingerprints: g.fingerprints,
    firstSeen: g.firstSeen,
    lastSeen: g.lastSeen,
    action: g.action,
    reasons: g.reasons,
    shadow: g.shadow,
    flagged: { accounts: g.flagged.filter((f) => f.kind === "account").length, fingerprints: g.flagged.filter((f) => f.kind === "fingerprint").length },
  };
}

function auditEvent(r: AuditRow): TimelineEvent {
  const event = r.cause === "extraction" ? "verdict" : r.cause === "rate" ? "rate-throttle" : r.action === "lift" ? "lift" : "override";
  return { t: r.t, event, account: r.account, fingerprint: r.fingerprint, action: r.action, reasons: r.reasons, signals: r.signals, until: r.until, shadow: r.shadow, via: r.via };
}

function clientOf(fp: FingerprintRead, flagged: boolean): ClientEvidence {
  const c = fp.client;
  return {
    fingerprint: fp.id,
    networkBound: isNetworkFingerprint(fp.id),
    flagged,
    ja4: c?.ja4 ?? null,
    ua: c?.ua ?? null,
    asn: c?.asn ?? null,
    prefix: c?.prefix ?? null,
    firstSeen: fp.firstSeen,
    lastSeen: fp.lastSeen,
    recentAccounts: fp.accounts.length,
  };
}

/** The campaign's fingerprints as read, reading the ones the list did not need (shared, unflagged). */
export async function campaignFingerprints(env: Env, gc: GuardContext, world: CampaignWorld, g: CampaignGroup): Promise<{ reads: FingerprintRead[]; truncated: boolean }> {
  const wanted = g.fingerprints.slice(0, MAX_FINGERPRINTS);
  const reads = await mapLimit(wanted, 8, async (id) => world.fingerprints.get(id) ?? readFingerprint(env, gc, id, world.now));
  return { reads, truncated: wanted.length < g.fingerprints.length };
}

export async function detailOf(env: Env, gc: GuardContext, world: CampaignWorld, id: string, g: CampaignGroup): Promise<CampaignDetail> {
  const flaggedAccounts = new Map(g.flagged.filter((f) => f.kind === "account").map((f) => [f.id, f]));
  const flaggedFps = new Set(g.flagged.filter((f) => f.kind === "fingerprint").map((f) => f.id));
  const members: Member[] = g.accounts.map((a) => {
    const facts = world.accounts.get(a);
    const f = flaggedAccounts.get(a);
    return {
      account: a,
      flagged: f ? { action: f.action, reasons: f.reasons, since: f.since, until: f.until, via: f.via ?? null } : null,
      firstSeen: facts?.firstSeen ?? null,
      lastSeen: facts?.lastSeen ?? null,
      fingerprints: facts?.fingerprints ?? [],
    };
  });
  const { reads, truncated: fpTruncated } = await campaignFingerprints(env, gc, world, g);
  const audit = await campaignAudit(env, g, id, world.now);
  const sightings: TimelineEvent[] = members.flatMap((m) => [
    ...(m.firstSeen !== null ? [{ t: m.firstSeen, event: "first-seen" as const, account: m.account, fingerprint: null }] : []),
    ...(m.lastSeen !== null ? [{ t: m.lastSeen, event: "last-seen" as const, account: m.account, fingerprint: null }] : []),
  ]);
  const events = audit.rows.map(auditEvent);
  const kept = [...events, ...sightings].slice(0, MAX_TIMELINE);
  const timeline = kept.sort((a, b) => a.t - b.t);
  const uses = g.accounts.map((a) => world.accounts.get(a)?.models ?? []);
  const models = modelMix(uses);
  const coverage = reads
    .filter((r) => flaggedFps.has(r.id) && r.shards.length > 0)
    .map((r) => ({
      fingerprint: r.id,
      series: epochSeries(
        FINGERPRINT_SCHEMA,
        r.shards.flatMap((s) => s.epochs.map((b) => Epoch.unmarshal(FINGERPRINT_SCHEMA, b))),
        r.shards[0]!.epochMs,
      ),
    }));
  return {
    ...summaryOf(id, g),
    members,
    evidence: { links: g.links, timing: timingEvidence(members), clients: reads.map((r) => clientOf(r, flaggedFps.has(r.id))), modelSwitches: modelSwitches(uses, models) },
    timeline,
    models,
    coverage,
    truncated: world.truncated || fpTruncated || audit.truncated || events.length + sightings.length > MAX_TIMELINE,
  };
}
