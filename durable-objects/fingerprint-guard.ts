/**
 * One object per (client fingerprint, shard). A fingerprint is the client stack several accounts
 * may share; campaigns that spread over many fresh keys show up here as one subject. A popular
 * fingerprint is spread over FP_SHARDS objects by account hash so no single object takes all its
 * traffic; because HyperLogLog unions are lossless, each shard periodically sends its window to
 * shard 0 and receives the others', and judges on the merged figures.
 */
import { DurableObject } from "cloudflare:workers";
import { configFor, type Config } from "../core/config";
import { HyperLogLog } from "../core/hyperloglog";
import { assessFingerprint, type Assessment } from "../core/policy";
import { isActive, nextVerdict, verdictWhy, type ExtractionVerdict } from "../core/verdict";
import { Epoch, type EpochWindow } from "../core/window";
import { FlushScheduler } from "./flush";
import { denyDecision, type Override, type OverrideRecord } from "../core/override";
import { sendAudit, verdictEntry } from "./audit";
import { guardRegistry } from "./registry";
import { OverrideSlot } from "./override-slot";
import { RecentIds, type RecentId } from "./recent-ids";
import { loadRecentAccounts, saveRecentAccounts } from "./recent-accounts";
import { loadPeers, savePeers } from "./shard-peers";
import { IdempotencyLedger } from "./idempotency";
import { recordLayout, settleLayout, type StorageLayout } from "./layout";
import { idempotencyShape, objectWith, peersShape, recentAccountsShape, recentIdsShape, shapes, subjectTimes } from "./meta-shapes";
import { ShardMerge } from "../core/shard-merge";
import { unionEpochs } from "../core/epoch-union";
import { SubjectStore } from "./persist";
import { fingerprintShardName, isNetworkFingerprint, parseFingerprintShardName, type Decision, type FingerprintClient, type FingerprintObservation } from "./protocol";
import { FINGERPRINT_SCHEMA, type FingerprintCounter, type FingerprintSketch } from "./schemas";
import { coverageFigures, fingerprintWindow, recordFingerprint } from "./windows";

type FpEpoch = Epoch<FingerprintSketch, FingerprintCounter>;

interface FingerprintMeta {
  fingerprint: string;
  shard: number;
  requests: number;
  firstSeen: number | null;
  lastSeen: number | null;
  verdict: ExtractionVerdict | null;
  /** What the id was built from, for the campaign indicators; absent in older rows. */
  client?: FingerprintClient | null;
}

export interface FingerprintVerdict {
  action: ExtractionVerdict["action"];
  reasons: string[];
  until: number | null;
  since: number | null;
  /** Set when an operator's deny entry decided, not the policy. */
  cause?: "override";
  /** Under an operator's shadow entry: the verdict is only marked, never enforced. */
  shadow?: boolean;
}

export interface FingerprintView {
  fingerprint: string;
  requests: number;
  distinct: { accounts: number; prompts: number; templates: number; topics: number; accountPrompts: number };
  recentAccounts: number;
  shards: number;
  verdict: FingerprintVerdict & { score: number; signals: Assessment["signals"]; why: string | null };
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface FingerprintSnapshot {
  fingerprint: string;
  requests: number;
  firstSeen: number | null;
  lastSeen: number | null;
  union: Uint8Array;
  /** Live epochs, marshalled, for the per-epoch series merged across shards. */
  epochs: Uint8Array[];
  epochMs: number;
  accounts: RecentId[];
  override: OverrideRecord;
  recentAccounts: number;
  verdict: FingerprintVerdict & { score: number; signals: Assessment["signals"]; why: string | null };
  client: FingerprintClient | null;
}

const isFingerprintMeta = objectWith<FingerprintMeta>({ ...subjectTimes, fingerprint: shapes.isString, shard: shapes.isNumber });

/** What a fingerprint shard remembers of an idempotent request: only that it was counted. */
const COUNTED: Decision = { action: "allow", cause: "none", reasons: [], until: null, retryAfterMs: 0, limits: [] };

/** Accounts seen per hour, two hours deep: enough to see a burst of fresh keys. */
const RECENT_MS = 3600_000;

export class FingerprintGuard extends DurableObject<Env> {
  private readonly cfg: Config;
  private readonly store: SubjectStore;
  private readonly flusher: FlushScheduler;
  private readonly window: EpochWindow<FingerprintSketch, FingerprintCounter>;
  private readonly layout: StorageLayout;
  private layoutUnrecorded: boolean;
  private meta: FingerprintMeta = { fingerprint: "", shard: 0, requests: 0, firstSeen: null, lastSeen: null, verdict: null };
  private recent = { hour: 0, current: new HyperLogLog(6), previous: new HyperLogLog(6) };
  /** Latest window unions of the other shards (shard → union epoch). */
  private peers = new Map<number, FpEpoch>();
  /** Recent idempotent requests, so a client's retry is not counted twice here either. */
  private readonly idempotency = new IdempotencyLedger();
  private readonly shardMerge = new ShardMerge(FINGERPRINT_SCHEMA);
  private lastAssessment: Assessment = { score: 0, reasons: [], evidence: [], signals: {} };
  private readonly overrides: OverrideSlot;
  private readonly accountIds = new RecentIds();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.cfg = configFor(env);
    this.store = new SubjectStore(ctx.storage.sql);
    this.overrides = new OverrideSlot(this.store);
    this.accountIds.load(this.store.getMeta("accounts", recentIdsShape));
    const settled = settleLayout(this.store, { windowMs: this.cfg.FINGERPRINT_WINDOW_S * 1000, shards: this.cfg.FP_SHARDS }, { windowMs: "FINGERPRINT_WINDOW_S", shards: "FP_SHARDS" });
    this.layout = settled.layout;
    this.layoutUnrecorded = settled.unrecorded;
    this.window = fingerprintWindow({ FINGERPRINT_WINDOW_S: this.layout.windowMs / 1000 });
    // A shard other than 0 exchanges its union on its alarm, so it always flushes there.
    const inline = () => this.meta.shard === 0 || (this.layout.shards ?? 1) <= 1;
    this.flusher = new FlushScheduler(ctx.storage, this.cfg.FLUSH_INTERVAL_MS, () => this.writeChanges(), inline);
    ctx.blockConcurrencyWhile(async () => {
      this.meta = this.store.getMeta("fingerprint", isFingerprintMeta) ?? this.meta;
      // Named `fingerprint/shard` (getByName); an alarm may wake the object without its name.
      const named = ctx.id.name ? parseFingerprintShardName(ctx.id.name) : null;
      if (named) Object.assign(this.meta, named);
      this.recent = loadRecentAccounts(this.store.getMeta("recent", recentAccountsShape), 6) ?? this.recent;
      this.peers = loadPeers(FINGERPRINT_SCHEMA, this.store.getMeta("peers", peersShape));
      this.idempotency.load(this.store.getMeta("idempotency", idempotencyShape));
      this.window.load(this.store.loadEpochs(FINGERPRINT_SCHEMA), this.meta.lastSeen ?? Date.now());
      this.flusher.restore(await ctx.storage.getAlarm());
    });
  }

  async observe(obs: FingerprintObservation): Promise<FingerprintVerdict> {
    try {
      return await this.observeKeyed(obs);
    } finally {
      this.flusher.settle();
    }
  }

  private async observeKeyed(obs: FingerprintObservation): Promise<FingerprintVerdict> {
    const key = obs.idempotency;
    if (key && this.idempotency.check(key, obs.now)) {
      this.flusher.touch();
      return this.current(obs.now);
    }
    if (key) this.idempotency.remember(key, obs.now, COUNTED, false);
    return this.observeOnce(obs);
  }

  /** This shard's answer at `now`, without an observation: the Worker asks when it has no fresh copy. */
  async verdict(now: number): Promise<FingerprintVerdict> {
    return this.current(now);
  }

  /** This shard's answer at `now`: an operator's deny entry, else its active verdict (marked under a shadow entry). */
  private current(now: number): FingerprintVerdict {
    const deny = this.overrides.denied(now);
    if (deny) {
      const d = denyDecision(deny, now);
      return { action: d.action, reasons: d.reasons, until: d.until, since: deny.setAt, cause: "override" };
    }
    const v = this.verdictAt(now);
    return v.action !== "allow" && this.overrides.shadowed(now) ? { ...v, shadow: true } : v;
  }

  private async observeOnce(obs: FingerprintObservation): Promise<FingerprintVerdict> {
    const { now } = obs;
    const m = this.meta;
    m.requests++;
    m.firstSeen ??= now;
    m.lastSeen = Math.max(m.lastSeen ?? now, now);

    recordFingerprint(this.window, obs);
    this.noteRecent(now, obs.account);
    if (obs.accountId) this.accountIds.note(obs.accountId, now);
    // The same for every request of this id (they were hashed into it): kept once, bounded.
    if (obs.client && !m.client) m.client = { ...obs.client, ua: obs.client.ua?.slice(0, 512) ?? null, ja4: obs.client.ja4?.slice(0, 128) ?? null };

    const before = m.verdict;
    // A repeat changes no figure the policy reads, and must not count as a strike.
    if (obs.seen.fresh) {
      this.lastAssessment = this.assess(now);
      m.verdict = this.overrides.exempt(now) ? null : nextVerdict(m.verdict, this.lastAssessment, now, this.cfg);
    }
    if (m.verdict !== before) {
      this.flushNow();
      if (m.verdict) this.report(m.verdict);
    } else this.flusher.touch();
    return this.current(now);
  }

  private noteRecent(now: number, account: [number, number]): void {
    const hour = Math.floor(now / RECENT_MS);
    const r = this.recent;
    if (hour !== r.hour) {
      r.previous = hour === r.hour + 1 ? r.current : new HyperLogLog(6);
      r.current = new HyperLogLog(6);
      r.hour = hour;
    }
    r.current.insert(account[0], account[1]);
  }

  private recentAccounts(): number {
    const both = this.recent.current.clone();
    both.merge(this.recent.previous);
    return both.estimate();
  }

  /** Figures over this shard merged with the latest unions of the others. */
  private assess(now: number): Assessment {
    this.window.expire(now);
    let distinct: (s: FingerprintSketch) => number = (s) => this.window.distinct(s);
    let counter: (c: FingerprintCounter) => number = (c) => this.window.counter(c);
    let topics = this.window.topicsCovered();
    if (this.peers.size > 0) {
      // merged with the other shards' unions, cached between changes (core/shard-merge.ts)
      const merged = this.shardMerge.figures(this.window, this.peers.values());
      distinct = (s) => merged.distinct(s);
      counter = (c) => merged.counter(c);
      topics = merged.topics;
    }
    return assessFingerprint(
      {
        ...coverageFigures(counter, distinct, topics),
        networkBound: isNetworkFingerprint(this.meta.fingerprint),
        accountsWith: { harvest: distinct("harvestAccounts"), elicit: distinct("elicitAccounts"), task: distinct("taskAccounts"), unverified: distinct("unverifiedAccounts") },
        accounts: distinct("accounts"),
        recentAccounts: this.recentAccounts(),
        accountPrompts: distinct("pairs"),
      },
      this.cfg,
    );
  }

  private mergedUnion(): FpEpoch {
    return unionEpochs(FINGERPRINT_SCHEMA, [...this.window.live(), ...this.peers.values()]);
  }

  /** This shard's window as one epoch record (for exchange between shards). */
  private unionEpoch(): FpEpoch {
    return unionEpochs(FINGERPRINT_SCHEMA, this.window.live());
  }

  private report(v: ExtractionVerdict): void {
    const registry = guardRegistry(this.env);
    const report = {
      kind: "fingerprint" as const,
      id: this.meta.fingerprint,
      action: v.action,
      reasons: v.reasons,
      since: v.since,
      until: v.until,
      // The registry marks a shadowed subject's flag from its own listing of the entry, so the
      // mark lasts exactly as long as the entry; the audit entry records it as of the verdict.
      shadow: this.cfg.GUARD_MODE === "shadow",
    };
    this.ctx.waitUntil(registry.report(report).catch((err) => console.error(JSON.stringify({ event: "registry_report_failed", error: String(err) }))));
    // The figures the verdict was reached on: this shard merged with its peers' unions, as assess() sees them.
    const m = this.peers.size > 0 ? this.shardMerge.figures(this.window, this.peers.values()) : null;
    const d = (s: FingerprintSketch) => (m ? m.distinct(s) : this.window.distinct(s));
    const figures = {
      requests: m ? m.counter("requests") : this.window.counter("requests"),
      prompts: d("prompts"),
      templates: d("templates"),
      accounts: d("accounts"),
      topics: m ? m.topics : this.window.topicsCovered(),
    };
    sendAudit(
      this.env,
      this.ctx,
      verdictEntry({ account: null, fingerprint: this.meta.fingerprint }, v, this.lastAssessment, figures, report.shadow || this.overrides.shadowed(v.since), `shard:${this.meta.shard}`),
    );
  }

  /** Operator: sets (or clears, with null) this shard's copy of the fingerprint's override. */
  async setOverride(override: Override | null): Promise<OverrideRecord> {
    this.overrides.set(override);
    if (override?.list === "allow") this.meta.verdict = null;
    this.flushNow();
    return this.overrides.record;
  }

  /** Operator: clears this shard's active verdict and judges afresh only after `graceUntil`. */
  async lift(now: number, graceUntil: number | null): Promise<{ lifted: FingerprintVerdict | null; record: OverrideRecord }> {
    const lifted = isActive(this.meta.verdict, now) ? this.verdictAt(now) : null;
    this.meta.verdict = null;
    this.overrides.grace(graceUntil);
    this.flushNow();
    return { lifted, record: this.overrides.record };
  }

  /** Why the active verdict has its action, for operators (core/verdict.ts). */
  private why(now: number): string | null {
    return isActive(this.meta.verdict, now) ? verdictWhy(this.meta.verdict, this.cfg) : null;
  }

  private verdictAt(now: number): FingerprintVerdict {
    const v = isActive(this.meta.verdict, now) ? this.meta.verdict : null;
    return { action: v?.action ?? "allow", reasons: v?.reasons ?? [], until: v?.until ?? null, since: v?.since ?? null };
  }

  /** Shard 0 keeps every shard's latest union and hands back the others'. */
  async exchange(shard: number, union: Uint8Array): Promise<Uint8Array[]> {
    try {
      this.peers.set(shard, Epoch.unmarshal(FINGERPRINT_SCHEMA, union));
      this.store.setMeta("peers", savePeers(this.peers));
    } catch (err) {
      console.error(JSON.stringify({ event: "shard_union_rejected", shard, error: String(err) }));
    }
    const out = [this.unionEpoch().marshal()];
    for (const [s, e] of this.peers) if (s !== shard) out.push(e.marshal());
    return out;
  }

  private flushNow(): void {
    this.flusher.run();
  }

  /** Writes what changed since the last flush; returns the rows written. */
  private writeChanges(): number {
    let rows = 2;
    this.store.setMeta("fingerprint", this.meta);
    if (this.layoutUnrecorded) rows += recordLayout(this.store, this.layout);
    this.layoutUnrecorded = false;
    this.store.setMeta("recent", saveRecentAccounts(this.recent));
    if (this.idempotency.takeDirty()) {
      this.store.setMeta("idempotency", this.idempotency.save());
      rows++;
    }
    if (this.accountIds.takeDirty()) {
      this.store.setMeta("accounts", this.accountIds.list());
      rows++;
    }
    return rows + this.store.saveWindow(this.window);
  }

  override async alarm(): Promise<void> {
    this.flusher.alarm();
    if (this.meta.shard === 0 || (this.layout.shards ?? 1) <= 1 || !this.meta.fingerprint) return;
    // Exchange after the local flush so a failure here never costs local state.
    try {
      const root = this.env.FINGERPRINT_GUARD.getByName(fingerprintShardName(this.meta.fingerprint, 0));
      const others = await root.exchange(this.meta.shard, this.unionEpoch().marshal());
      this.peers = new Map(others.map((bytes, i) => [i === 0 ? 0 : -i, Epoch.unmarshal(FINGERPRINT_SCHEMA, bytes)] as [number, FpEpoch]));
      this.store.setMeta("peers", savePeers(this.peers));
    } catch (err) {
      console.error(JSON.stringify({ event: "shard_exchange_failed", shard: this.meta.shard, error: String(err) }));
    }
  }

  /** This shard's raw state, for the operator API to merge across shards. */
  async snapshot(now: number): Promise<FingerprintSnapshot> {
    this.window.expire(now);
    if (this.meta.requests) this.lastAssessment = this.assess(now);
    return {
      fingerprint: this.meta.fingerprint,
      requests: this.meta.requests,
      firstSeen: this.meta.firstSeen,
      lastSeen: this.meta.lastSeen,
      union: this.unionEpoch().marshal(),
      epochs: this.window.live().map((e) => e.marshal()),
      epochMs: this.window.epochMs,
      accounts: this.accountIds.list(),
      override: this.overrides.record,
      recentAccounts: this.recentAccounts(),
      verdict: { ...this.verdictAt(now), score: this.lastAssessment.score, signals: this.lastAssessment.signals, why: this.why(now) },
      client: this.meta.client ?? null,
    };
  }

  async view(now: number): Promise<FingerprintView> {
    this.lastAssessment = this.meta.requests ? this.assess(now) : this.lastAssessment;
    const merged = this.peers.size ? this.mergedUnion() : null;
    const names = Object.keys(FINGERPRINT_SCHEMA.sketches) as FingerprintSketch[];
    const d = (s: FingerprintSketch) => (merged ? merged.sketches[names.indexOf(s)]!.estimate() : this.window.distinct(s));
    return {
      fingerprint: this.meta.fingerprint,
      requests: merged ? merged.counters[0]! : this.window.counter("requests"),
      distinct: { accounts: d("accounts"), prompts: d("prompts"), templates: d("templates"), topics: this.window.topicsCovered(), accountPrompts: d("pairs") },
      recentAccounts: this.recentAccounts(),
      shards: this.layout.shards ?? this.cfg.FP_SHARDS,
      verdict: { ...this.verdictAt(now), score: this.lastAssessment.score, signals: this.lastAssessment.signals, why: this.why(now) },
      firstSeen: this.meta.firstSeen,
      lastSeen: this.meta.lastSeen,
    };
  }
}
