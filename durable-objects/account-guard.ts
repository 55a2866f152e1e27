/**
 * One object per account (named by the keyed hash of its API key). It counts requests, applies the
 * classic limits, keeps the account's coverage sketches for the detection window and returns the
 * verdict for the request in the same round trip.
 */
import { DurableObject } from "cloudflare:workers";
import { configFor, type Config } from "../core/config";
import { peek, type Limit } from "../core/limits";
import { admit, endUserQuotas, settle, type Charged, type Quotas } from "../core/admission";
import { EndUserLimits, endUserKey, isSavedEndUsers } from "./end-user-limits";
import type { Assessment } from "../core/policy";
import { isActive, nextVerdict, verdictWhy, type ExtractionVerdict } from "../core/verdict";
import type { EpochWindow } from "../core/window";
import { denyDecision, type Override, type OverrideRecord } from "../core/override";
import { epochSeries } from "../core/series";
import { sendAudit, verdictEntry } from "./audit";
import { guardRegistry } from "./registry";
import { OverrideSlot } from "./override-slot";
import { FlushScheduler } from "./flush";
import { IdempotencyLedger } from "./idempotency";
import { recordLayout, settleLayout, type StorageLayout } from "./layout";
import { idempotencyShape, modelUsesShape, objectWith, shapes, subjectTimes } from "./meta-shapes";
import { type ModelUse, noteModel } from "../core/campaigns/models";
import { SubjectStore } from "./persist";
import type { AccountObservation, Decision, Settlement } from "./protocol";
import type { AccountView } from "./account-view";
import { allowed, decide, type Vote } from "../core/decision";
import { ACCOUNT_SCHEMA, type AccountCounter, type AccountSketch } from "./schemas";
import { ACCOUNT_LEDGER_CAPACITY, accountWindow, assessAccountWindow, recordAccountPrompt } from "./windows";
import type { PromptClass } from "../core/signals/classify";
import { Ledger } from "../core/signals/ledger";

interface AccountMeta {
  id: string;
  requests: number;
  otherRequests: number;
  firstSeen: number | null;
  lastSeen: number | null;
  tat: { requests: number; tokens: number };
  verdict: ExtractionVerdict | null;
  fingerprints: string[];
  /** When the account last sent a fresh request (for machine pacing); absent in older rows. */
  lastFresh?: number | null;
  /** The models it asked for (core/campaigns/models.ts); absent in older rows. */
  models?: ModelUse[];
}

const isAccountMeta = objectWith<AccountMeta>({
  ...subjectTimes,
  id: shapes.isString,
  otherRequests: shapes.isNumber,
  tat: objectWith({ requests: shapes.isNumber, tokens: shapes.isNumber }),
  fingerprints: shapes.isStrings,
});

const MAX_FINGERPRINTS = 8;

export type { AccountView } from "./account-view";

export class AccountGuard extends DurableObject<Env> {
  private readonly cfg: Config;
  private readonly store: SubjectStore;
  private readonly flusher: FlushScheduler;
  private readonly window: EpochWindow<AccountSketch, AccountCounter>;
  private meta: AccountMeta = { id: "", requests: 0, otherRequests: 0, firstSeen: null, lastSeen: null, tat: { requests: 0, tokens: 0 }, verdict: null, fingerprints: [] };
  private lastAssessment: Assessment = { score: 0, reasons: [], evidence: [], signals: {} };
  /** What the account already sent (core/signals/classify.ts). */
  private ledger = new Ledger(ACCOUNT_LEDGER_CAPACITY);
  private ledgerDirty = false;
  /** Recent idempotent requests, so a client's retry is not counted twice. */
  private readonly idempotency = new IdempotencyLedger();
  private readonly overrides: OverrideSlot;
  /** Rate throttles are audited once per limit period, not per refused request. */
  private rateAuditedUntil = 0;
  /** Per end-user limits, when END_USER_*_SHARE is on. */
  private readonly endUsers = new EndUserLimits();
  /** The layout to record with the first flush, when none is stored yet. */
  private unrecordedLayout: StorageLayout | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.cfg = configFor(env);
    this.store = new SubjectStore(ctx.storage.sql);
    this.overrides = new OverrideSlot(this.store);
    this.flusher = new FlushScheduler(ctx.storage, this.cfg.FLUSH_INTERVAL_MS, () => this.writeChanges());
    const { layout, unrecorded } = settleLayout(this.store, { windowMs: this.cfg.DETECTION_WINDOW_S * 1000 }, { windowMs: "DETECTION_WINDOW_S" });
    this.unrecordedLayout = unrecorded ? layout : null;
    this.window = accountWindow({ DETECTION_WINDOW_S: layout.windowMs / 1000 });
    ctx.blockConcurrencyWhile(async () => {
      this.meta = this.store.getMeta("account", isAccountMeta) ?? this.meta;
      // A malformed model record costs only itself, not the account's state.
      if (this.meta.models !== undefined && !modelUsesShape(this.meta.models)) delete this.meta.models;
      // Named by the account id (getByName); an alarm may wake the object without its name.
      if (ctx.id.name) this.meta.id = ctx.id.name;
      this.idempotency.load(this.store.getMeta("idempotency", idempotencyShape));
      this.endUsers.load(this.store.getMeta("endUsers", isSavedEndUsers));
      this.ledger = this.loadLedger();
      const epochs = this.store.loadEpochs(ACCOUNT_SCHEMA);
      this.window.load(epochs, this.meta.lastSeen ?? Date.now());
      this.flusher.restore(await ctx.storage.getAlarm());
    });
  }

  private limits(now: number): Quotas {
    return {
      requests: { name: "requests", quota: this.overrides.quota(now, "requests", this.cfg.RATE_LIMIT_REQUESTS), periodMs: this.cfg.RATE_LIMIT_PERIOD_S * 1000 },
      tokens: { name: "tokens", quota: this.overrides.quota(now, "tokens", this.cfg.TOKEN_LIMIT), periodMs: this.cfg.TOKEN_LIMIT_PERIOD_S * 1000 },
    };
  }

  async observe(obs: AccountObservation): Promise<Decision> {
    try {
      return await this.observeKeyed(obs);
    } finally {
      this.flusher.settle();
    }
  }

  private async observeKeyed(obs: AccountObservation): Promise<Decision> {
    const key = obs.idempotency;
    if (!key) return this.decideOnce(obs, false);
    const replay = this.idempotency.check(key, obs.now);
    if (replay?.kind === "answer") {
      this.flusher.touch();
      return replay.decision;
    }
    const decision = await this.decideOnce(obs, replay !== null);
    this.idempotency.remember(key, obs.now, decision, replay !== null);
    this.flusher.touch();
    return decision;
  }

  /** Decides one request; a `retry` (of an idempotent request already counted) is not counted again. */
  private loadLedger(): Ledger {
    const bytes = this.store.getBlob("ledger");
    if (!bytes) return new Ledger(ACCOUNT_LEDGER_CAPACITY);
    try {
      return Ledger.unmarshal(bytes, ACCOUNT_LEDGER_CAPACITY);
    } catch (err) {
      console.error(JSON.stringify({ event: "ledger_decode_failed", error: String(err) }));
      return new Ledger(ACCOUNT_LEDGER_CAPACITY);
    }
  }

  private async decideOnce(obs: AccountObservation, retry: boolean): Promise<Decision> {
    const now = obs.now;
    const m = this.meta;
    if (!retry) {
      if (obs.prompt) m.requests++;
      else m.otherRequests++;
    }
    m.firstSeen ??= now;
    m.lastSeen = Math.max(m.lastSeen ?? now, now);
    for (const fp of obs.fingerprints) {
      if (!m.fingerprints.includes(fp)) m.fingerprints = [fp, ...m.fingerprints].slice(0, MAX_FINGERPRINTS);
    }
    if (obs.model && !retry) noteModel((m.models ??= []), obs.model, now);
    // A deny entry answers before the limits are charged (core/decision.ts has the precedence).
    const deny = this.overrides.denied(now);
    if (deny) {
      this.flusher.touch();
      const d = denyDecision(deny, now);
      return decide(allowed([]), [{ kind: "deny", reasons: d.reasons, until: d.until }], now, this.shadowMode).decision;
    }

    const account: Charged = { quotas: this.limits(now), tats: m.tat };
    const endUser = obs.prompt ? this.endUserCharged(account.quotas, obs.endUser) : null;
    const adm = admit(account, endUser?.charged ?? null, obs.prompt ? obs.prompt.tokens : null, now);
    if (adm.allowed) {
      m.tat = adm.account;
      if (endUser && adm.endUser) this.endUsers.set(endUser.id, adm.endUser, now);
    }

    const before = m.verdict;
    const seen = obs.prompt && !retry ? this.record(obs, now) : undefined;
    if (m.verdict !== before) {
      this.flushNow();
      if (m.verdict) this.report(m.verdict);
    } else this.flusher.touch();

    const votes: Vote[] = [];
    if (adm.refused) votes.push({ kind: "rate", which: adm.refused.which, retryAfterMs: adm.retryAfterMs });
    if (this.overrides.shadowed(now)) votes.push({ kind: "shadow" });
    if (isActive(m.verdict, now)) votes.push({ kind: "verdict", action: m.verdict.action, reasons: m.verdict.reasons, until: m.verdict.until });
    if (this.overrides.exempt(now)) votes.push({ kind: "exempt" });
    const { decision } = decide(allowed(adm.states), votes, now, this.shadowMode);
    if (decision.cause === "rate" && adm.refused) this.auditRate(now, adm.refused.which, adm.refused.limit);
    const suspect = decision.action === "allow" && !decision.override && this.cfg.SUSPECT_SCORE > 0 && this.lastAssessment.score >= this.cfg.SUSPECT_SCORE;
    return { ...decision, ...(seen ? { seen } : {}), ...(suspect ? { suspect } : {}), requests: m.requests };
  }

  /** The end user's limits for a request that names one, when the shares are on. */
  private endUserCharged(account: Quotas, hash: AccountObservation["endUser"]): { id: string; charged: Charged } | null {
    const quotas = hash ? endUserQuotas(account, this.cfg.END_USER_REQUEST_SHARE, this.cfg.END_USER_TOKEN_SHARE) : null;
    if (!hash || !quotas) return null;
    const id = endUserKey(hash);
    return { id, charged: { quotas, tats: this.endUsers.get(id) } };
  }

  /**
   * Charges an answer's completion tokens once it has passed (sent after the answer, never on its
   * path): to the account and to the end user it was for. Never refuses; the next requests wait.
   */
  async settle(s: Settlement): Promise<void> {
    if (!(s.tokens > 0)) return;
    const quotas = this.limits(s.now);
    this.meta.tat = settle({ quotas, tats: this.meta.tat }, s.tokens, s.now);
    const endUser = this.endUserCharged(quotas, s.endUser);
    if (endUser) this.endUsers.set(endUser.id, settle(endUser.charged, s.tokens, s.now), s.now);
    this.flusher.touch();
  }

  private get shadowMode(): boolean {
    return this.cfg.GUARD_MODE === "shadow";
  }

  /** Classifies the prompt against what the account sent, counts it, and judges the account again. */
  private record(obs: AccountObservation, now: number): PromptClass {
    const seen = recordAccountPrompt(this.window, this.ledger, this.meta.lastFresh ?? null, obs, now, this.cfg.PACE_GAP_S * 1000);
    // A repeat (an SDK's retry, a padding re-send) changes no ratio and is never a strike.
    if (!seen.fresh) return seen;
    this.ledgerDirty = true;
    this.meta.lastFresh = now;
    this.lastAssessment = this.assess(now);
    this.meta.verdict = this.overrides.exempt(now) ? null : nextVerdict(this.meta.verdict, this.lastAssessment, now, this.cfg);
    return seen;
  }

  private assess(now: number): Assessment {
    return assessAccountWindow(this.window, now, this.overrides.policy(now, this.cfg));
  }

  private flushNow(): void {
    this.flusher.run();
  }

  /** Writes what changed since the last flush; returns the rows written. */
  private writeChanges(): number {
    let rows = 1;
    this.store.setMeta("account", this.meta);
    if (this.unrecordedLayout) rows += recordLayout(this.store, this.unrecordedLayout);
    this.unrecordedLayout = null;
    if (this.idempotency.takeDirty()) {
      this.store.setMeta("idempotency", this.idempotency.save());
      rows++;
    }
    if (this.endUsers.takeDirty()) {
      this.store.setMeta("endUsers", this.endUsers.save());
      rows++;
    }
    if (this.ledgerDirty) {
      this.store.setBlob("ledger", this.ledger.marshal());
      this.ledgerDirty = false;
      rows++;
    }
    return rows + this.store.saveWindow(this.window);
  }

  override async alarm(): Promise<void> {
    this.flusher.alarm();
  }

  /** The account's state at `now`, for the operator API. */
  async view(now: number): Promise<AccountView> {
    const f = this.window.figures(now);
    const active = isActive(this.meta.verdict, now) ? this.meta.verdict : null;
    const lim = this.limits(now);
    if (this.meta.requests > 0) this.lastAssessment = this.assess(now);
    return {
      requests: this.meta.requests,
      otherRequests: this.meta.otherRequests,
      distinct: { ...f.distinct, topics: f.topics },
      window: { ms: this.window.windowMs, epochMs: this.window.epochMs, counters: f.counters },
      verdict: {
        action: active?.action ?? "allow",
        reasons: active?.reasons ?? [],
        until: active?.until ?? null,
        since: active?.since ?? null,
        score: this.lastAssessment.score,
        signals: this.lastAssessment.signals,
        why: active ? verdictWhy(active, this.cfg) : null,
        basis: active?.basis ?? null,
        strikes: active?.strikes ?? null,
      },
      fingerprints: this.meta.fingerprints,
      firstSeen: this.meta.firstSeen,
      lastSeen: this.meta.lastSeen,
      limits: [
        {
          name: "requests",
          quota: lim.requests.quota,
          windowS: this.cfg.RATE_LIMIT_PERIOD_S,
          remaining: peek(lim.requests, this.meta.tat.requests, now),
          resetS: Math.ceil(Math.max(0, this.meta.tat.requests - now) / 1000),
        },
        {
          name: "tokens",
          quota: lim.tokens.quota,
          windowS: this.cfg.TOKEN_LIMIT_PERIOD_S,
          remaining: peek(lim.tokens, this.meta.tat.tokens, now),
          resetS: Math.ceil(Math.max(0, this.meta.tat.tokens - now) / 1000),
        },
      ],
      storage: { bytesInMemory: this.window.byteSize(), rowsWritten: this.flusher.rowsWritten, alarmsSet: this.flusher.alarmsSet, inlineFlushes: this.flusher.inlineFlushes },
      override: this.overrides.record,
      series: epochSeries(ACCOUNT_SCHEMA, this.window.live(), this.window.epochMs),
      models: [...(this.meta.models ?? [])].sort((a, b) => b.lastSeen - a.lastSeen || (a.model < b.model ? -1 : 1)),
    };
  }

  /** Records a verdict reached elsewhere (a fingerprint the account sent through). */
  async adopt(verdict: ExtractionVerdict, via: string): Promise<void> {
    const current = this.meta.verdict;
    if (this.overrides.exempt(verdict.since)) return;
    if (isActive(current, verdict.since) && (current.action === "block" || current.action === verdict.action)) return;
    this.meta.verdict = { ...verdict, basis: "fingerprint", via };
    this.flushNow();
    this.report(this.meta.verdict, via);
  }

  private report(v: ExtractionVerdict, via?: string): void {
    const registry = guardRegistry(this.env);
    const report = {
      kind: "account" as const,
      id: this.meta.id,
      action: v.action,
      reasons: v.reasons,
      since: v.since,
      until: v.until,
      // The registry marks a shadowed subject's flag from its own listing of the entry, so the
      // mark lasts exactly as long as the entry; the audit entry records it as of the verdict.
      shadow: this.cfg.GUARD_MODE === "shadow",
      via,
    };
    this.ctx.waitUntil(registry.report(report).catch((err) => console.error(JSON.stringify({ event: "registry_report_failed", error: String(err) }))));
    const f = this.window.figures(v.since);
    const figures = { requests: f.counters.requests, prompts: f.distinct.prompts, templates: f.distinct.templates, topics: f.topics, networks: f.distinct.networks };
    const subject = { account: this.meta.id, fingerprint: via ?? null };
    sendAudit(this.env, this.ctx, verdictEntry(subject, v, this.lastAssessment, figures, report.shadow || this.overrides.shadowed(v.since), via ? `fingerprint:${via}` : null));
  }

  private auditRate(now: number, which: string, limit: Limit): void {
    if (now < this.rateAuditedUntil) return;
    this.rateAuditedUntil = now + limit.periodMs;
    const signals = { quota: limit.quota, periodS: limit.periodMs / 1000 };
    sendAudit(this.env, this.ctx, {
      t: now,
      account: this.meta.id,
      fingerprint: null,
      action: "throttle",
      cause: "rate",
      reasons: [`${which} rate limit`],
      signals,
      until: null,
      shadow: false,
      via: null,
    });
  }

  /** Operator: sets (or clears, with null) the account's override. An allow entry also clears an active verdict. */
  async setOverride(override: Override | null): Promise<OverrideRecord> {
    this.overrides.set(override);
    if (override?.list === "allow") this.meta.verdict = null;
    this.flushNow();
    return this.overrides.record;
  }

  /** Operator: clears the active verdict and judges afresh only after `graceUntil`. Returns the lifted verdict. */
  async lift(now: number, graceUntil: number | null): Promise<{ lifted: ExtractionVerdict | null; record: OverrideRecord }> {
    const lifted = isActive(this.meta.verdict, now) ? this.meta.verdict : null;
    this.meta.verdict = null;
    this.overrides.grace(graceUntil);
    this.flushNow();
    return { lifted, record: this.overrides.record };
  }
}
