/**
 * One object per instruction frame (named frame/<template hash>): the cross-account tally of
 * core/signals/frames.ts. Frames are the shards: each frame's traffic goes to its own object, and
 * only eligible requests of new accounts reach one (an input inside a specific frame), so no object
 * sees a crowd's generic traffic, and none is global.
 *
 * The Worker reads a frame's verdict as it reads a fingerprint's (per-isolate cache, a cache miss
 * asked in parallel with the account) and sends the observation after the answer.
 */
import { DurableObject } from "cloudflare:workers";
import { configFor, type Config } from "../core/config";
import { actionFor, assessFrame, type Assessment } from "../core/policy";
import { FrameTally } from "../core/signals/frames";
import { isActive, nextVerdict, type ExtractionVerdict } from "../core/verdict";
import { sendAudit, verdictEntry } from "./audit";
import type { FingerprintVerdict } from "./fingerprint-guard";
import { FlushScheduler } from "./flush";
import { objectWith, shapes } from "./meta-shapes";
import { SubjectStore } from "./persist";
import type { FrameObservation } from "./protocol";
import { guardRegistry } from "./registry";

interface FrameMeta {
  frame: string;
  requests: number;
  verdict: ExtractionVerdict | null;
}

const isFrameMeta = objectWith<FrameMeta>({ frame: shapes.isString, requests: shapes.isNumber });
const isNotes = (v: unknown): v is number[] => Array.isArray(v);
const isMembers = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string" && /^[0-9a-f]{32}$/.test(x));

/**
 * New accounts that swept this frame, newest last: when the frame is blocked, the keys that came
 * before the verdict are the same campaign's, and each adopts the block. Bounded: a frame is judged
 * long before this many new accounts sweep it.
 */
const MAX_MEMBERS = 64;

export interface FrameView {
  frame: string;
  requests: number;
  figures: ReturnType<FrameTally["figures"]>;
  verdict: FingerprintVerdict & { score: number; signals: Assessment["signals"] };
}

export class FrameGuard extends DurableObject<Env> {
  private readonly cfg: Config;
  private readonly store: SubjectStore;
  private readonly flusher: FlushScheduler;
  private meta: FrameMeta = { frame: "", requests: 0, verdict: null };
  private tally: FrameTally;
  private members: string[] = [];
  private lastAssessment: Assessment = { score: 0, reasons: [], evidence: [], signals: {} };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.cfg = configFor(env);
    this.store = new SubjectStore(ctx.storage.sql);
    this.flusher = new FlushScheduler(ctx.storage, this.cfg.FLUSH_INTERVAL_MS, () => this.writeChanges());
    const windowMs = this.cfg.FINGERPRINT_WINDOW_S * 1000;
    this.tally = new FrameTally(windowMs);
    ctx.blockConcurrencyWhile(async () => {
      this.meta = this.store.getMeta("frame", isFrameMeta) ?? this.meta;
      if (ctx.id.name) this.meta.frame = ctx.id.name;
      this.tally = FrameTally.load(this.store.getMeta("notes", isNotes), windowMs);
      this.members = this.store.getMeta("members", isMembers) ?? [];
      this.flusher.restore(await ctx.storage.getAlarm());
    });
  }

  /** This frame's answer at `now`: its active verdict, or allow. */
  async verdict(now: number): Promise<FingerprintVerdict> {
    return this.verdictAt(now);
  }

  /** Counts one eligible request of a new account and judges the frame again. */
  async observe(obs: FrameObservation): Promise<FingerprintVerdict> {
    try {
      return this.observeOnce(obs);
    } finally {
      this.flusher.settle();
    }
  }

  private observeOnce(obs: FrameObservation): FingerprintVerdict {
    const m = this.meta;
    m.requests++;
    this.tally.note({ account: obs.account, prompt: obs.prompt, at: obs.now });
    if (obs.accountId && !this.members.includes(obs.accountId)) {
      this.members.push(obs.accountId);
      if (this.members.length > MAX_MEMBERS) this.members.shift();
    }
    this.lastAssessment = assessFrame(this.tally.figures(obs.now), this.cfg);
    const before = m.verdict;
    // A lapsed verdict is no verdict: a frame blocked again after its block ran out reports again.
    const prior = isActive(before, obs.now) ? before.action : "allow";
    m.verdict = nextVerdict(m.verdict, this.lastAssessment, obs.now, this.cfg);
    if (m.verdict !== before) {
      this.flushNow();
      if (m.verdict && m.verdict.action !== prior) {
        this.report(m.verdict);
        if (m.verdict.action === "block") this.blockCohort(m.verdict, obs.accountId);
      }
    } else this.flusher.touch();
    return this.verdictAt(obs.now);
  }

  /**
   * The active verdict, or, once it has lapsed, what the figures still in the window say: a swarm's
   * keys may arrive hours apart, longer than a throttle lasts, and the frame stays judged while its
   * figures hold.
   */
  private verdictAt(now: number): FingerprintVerdict {
    const v = isActive(this.meta.verdict, now) ? this.meta.verdict : null;
    if (v) return { action: v.action, reasons: v.reasons, until: v.until, since: v.since };
    if (this.tally.size === 0) return { action: "allow", reasons: [], until: null, since: null };
    const a = assessFrame(this.tally.figures(now), this.cfg);
    const action = actionFor(a.score, this.cfg);
    if (action === "allow") return { action, reasons: [], until: null, since: null };
    const until = now + 1000 * (action === "block" ? this.cfg.BLOCK_S : this.cfg.THROTTLE_S);
    return { action, reasons: a.reasons, until, since: now };
  }

  /**
   * A block reaches the new accounts that swept the frame before it: each adopts it, as a key that
   * sends into a blocked frame does on its next request. Only on a block (twice the accounts a
   * throttle needs), since an adopted block outlasts the frame's evidence.
   */
  private blockCohort(v: ExtractionVerdict, except: string | undefined): void {
    const verdict = { action: v.action, reasons: v.reasons, since: v.since, until: v.until, score: 0 };
    for (const id of this.members) {
      if (id === except) continue;
      const adopted = this.env.ACCOUNT_GUARD.getByName(id).adopt(verdict, this.meta.frame);
      this.ctx.waitUntil(adopted.catch((err) => console.error(JSON.stringify({ event: "adopt_failed", error: String(err) }))));
    }
  }

  private report(v: ExtractionVerdict): void {
    const shadow = this.cfg.GUARD_MODE === "shadow";
    const report = { kind: "fingerprint" as const, id: this.meta.frame, action: v.action, reasons: v.reasons, since: v.since, until: v.until, shadow };
    this.ctx.waitUntil(
      guardRegistry(this.env)
        .report(report)
        .catch((err) => console.error(JSON.stringify({ event: "registry_report_failed", error: String(err) }))),
    );
    const f = this.tally.figures(v.since);
    const figures = { requests: f.requests, prompts: f.prompts, templates: 1, accounts: f.accounts, topics: 0 };
    sendAudit(this.env, this.ctx, verdictEntry({ account: null, fingerprint: this.meta.frame }, v, this.lastAssessment, figures, shadow, "frame"));
  }

  /** Operator view: the frame's figures and verdict. */
  async view(now: number): Promise<FrameView> {
    const figures = this.tally.figures(now);
    this.lastAssessment = assessFrame(figures, this.cfg);
    return { frame: this.meta.frame, requests: this.meta.requests, figures, verdict: { ...this.verdictAt(now), score: this.lastAssessment.score, signals: this.lastAssessment.signals } };
  }

  private flushNow(): void {
    this.flusher.run();
  }

  private writeChanges(): number {
    this.store.setMeta("frame", this.meta);
    this.store.setMeta("notes", this.tally.save());
    this.store.setMeta("members", this.members);
    return 3;
  }

  override async alarm(): Promise<void> {
    this.flusher.alarm();
  }
}
