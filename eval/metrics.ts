/**
 * The evaluation's figures, computed from per-request verdicts. Pure functions with no I/O, so the
 * definitions below are what the unit tests pin down, and a verdicts.jsonl can be re-scored offline.
 *
 * Served = 2xx, throttled = 429, blocked = 403. Anything else (4xx/5xx, or 0 when no
 * answer came back) is "other" and counted, never silently dropped.
 */

export type Cause = "none" | "rate" | "extraction" | "override" | "error" | "unknown";
export type Action = "allow" | "throttle" | "block";
export type Outcome = "served" | "throttled" | "blocked" | "other";

export interface Verdict {
  /** 0-based position in the scenario: the order "first block" and "before the end" are judged in */
  index: number;
  /** scenario time, ms since the epoch */
  t: number;
  /** the account: the API key or a hash of it; "" when the line had none */
  key: string;
  actor: string;
  label: "benign" | "extraction";
  /** HTTP status; 0 when no answer came back */
  status: number;
  /** from the guard's `x-guard-debug` header; absent when the header was */
  action?: Action;
  /** why; "unknown" when a refusal came without the debug header */
  cause: Cause;
  reasons: string[];
  /** identity of the request's prompt (its text or a hash of it), for leakage */
  prompt: string;
  /** wall-clock latency of the request, ms */
  latencyMs?: number;
}

export function outcomeOf(status: number): Outcome {
  if (status >= 200 && status < 300) return "served";
  if (status === 429) return "throttled";
  if (status === 403) return "blocked";
  return "other";
}

/** A throttle the guard attributes to extraction detection (or an operator override), not to rate limits. */
export function isExtractionThrottle(v: Pick<Verdict, "status" | "cause">): boolean {
  return v.status === 429 && (v.cause === "extraction" || v.cause === "override");
}

/** Actor kind: the actor id without its trailing `-<n>` (`campaign-hydra-1` → `campaign-hydra`, `user-0042` → `user`). */
export function actorKind(actor: string): string {
  return actor.replace(/-\d+$/, "");
}

/** Campaign type: the kind without `campaign-` (`campaign-hydra` → `hydra`). */
export function campaignType(kind: string): string {
  return kind.startsWith("campaign-") ? kind.slice("campaign-".length) : kind;
}

/** `part / whole`, 0 when there is no whole (an empty group breaks no target). */
export function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface BenignGroup {
  accounts: number;
  requests: number;
  /** accounts with at least one 403 */
  accountsBlocked: number;
  /** accounts with at least one 429 whose cause is extraction or override */
  accountsThrottledForExtraction: number;
  /** accounts with at least one 429, whatever the cause */
  accountsThrottled: number;
  /** accounts with at least one 403 or 429 */
  accountsRefused: number;
  requestsBlocked: number;
  requestsThrottled: number;
  requestsThrottledForExtraction: number;
  /** 403 + 429 */
  requestsRefused: number;
  /** neither 2xx nor 403/429 */
  requestsOther: number;
}

export interface CampaignMetrics {
  actor: string;
  kind: string;
  /** kind without `campaign-` */
  type: string;
  keys: number;
  requests: number;
  served: number;
  throttled: number;
  blocked: number;
  other: number;
  promptsSent: number;
  promptsServed: number;
  /** distinct prompts served / distinct prompts sent */
  leakage: number;
  /** the campaign's first 403, or null if it was never blocked */
  firstBlock: { index: number; t: number; ordinal: number } | null;
  /** requests served (2xx) before the first 403; all served requests if never blocked */
  servedBeforeFirstBlock: number;
  /** scenario index of the campaign's last request */
  lastIndex: number;
  /** keys whose first 403 came before the campaign's last request */
  keysBlockedBeforeEnd: number;
  keysEverBlocked: number;
  keysThrottledOrBlocked: number;
  shareKeysBlockedBeforeEnd: number;
  shareKeysThrottledOrBlocked: number;
}

export interface Metrics {
  requests: number;
  byOutcome: Record<Outcome, number>;
  byStatus: Record<string, number>;
  byCause: Record<string, number>;
  /** refusals (403/429) that came without a debug header, so their cause is unknown */
  refusalsWithoutDebug: number;
  benign: { overall: BenignGroup; byKind: Record<string, BenignGroup> };
  campaigns: CampaignMetrics[];
}

function emptyBenignGroup(): BenignGroup {
  return {
    accounts: 0,
    requests: 0,
    accountsBlocked: 0,
    accountsThrottledForExtraction: 0,
    accountsThrottled: 0,
    accountsRefused: 0,
    requestsBlocked: 0,
    requestsThrottled: 0,
    requestsThrottledForExtraction: 0,
    requestsRefused: 0,
    requestsOther: 0,
  };
}

interface AccountFlags {
  kind: string;
  blocked: boolean;
  throttledForExtraction: boolean;
  throttled: boolean;
}

interface CampaignAcc {
  actor: string;
  keys: Map<string, { firstBlockIndex: number; refused: boolean }>;
  requests: number;
  served: number;
  throttled: number;
  blocked: number;
  other: number;
  sent: Set<string>;
  servedPrompts: Set<string>;
  firstBlock: { index: number; t: number; ordinal: number } | null;
  servedBeforeFirstBlock: number;
  lastIndex: number;
}

function inc(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Computes every figure from verdicts in any order (they are judged in scenario order). */
export function computeMetrics(input: Iterable<Verdict>): Metrics {
  const verdicts = [...input].sort((a, b) => a.index - b.index);
  const byOutcome: Record<Outcome, number> = { served: 0, throttled: 0, blocked: 0, other: 0 };
  const byStatus: Record<string, number> = {};
  const byCause: Record<string, number> = {};
  let refusalsWithoutDebug = 0;

  const overall = emptyBenignGroup();
  const byKind: Record<string, BenignGroup> = {};
  const accounts = new Map<string, AccountFlags>();
  const campaigns = new Map<string, CampaignAcc>();

  for (const v of verdicts) {
    const outcome = outcomeOf(v.status);
    byOutcome[outcome]++;
    inc(byStatus, String(v.status));
    inc(byCause, v.cause);
    if ((outcome === "blocked" || outcome === "throttled") && v.action === undefined) refusalsWithoutDebug++;

    if (v.label === "benign") {
      const kind = actorKind(v.actor);
      const group = (byKind[kind] ??= emptyBenignGroup());
      for (const g of [overall, group]) {
        g.requests++;
        if (outcome === "blocked") g.requestsBlocked++;
        if (outcome === "throttled") g.requestsThrottled++;
        if (isExtractionThrottle(v)) g.requestsThrottledForExtraction++;
        if (outcome === "blocked" || outcome === "throttled") g.requestsRefused++;
        if (outcome === "other") g.requestsOther++;
      }
      if (v.key !== "") {
        let flags = accounts.get(v.key);
        if (!flags) {
          flags = { kind, blocked: false, throttledForExtraction: false, throttled: false };
          accounts.set(v.key, flags);
        }
        if (outcome === "blocked") flags.blocked = true;
        if (outcome === "throttled") flags.throttled = true;
        if (isExtractionThrottle(v)) flags.throttledForExtraction = true;
      }
      continue;
    }

    let c = campaigns.get(v.actor);
    if (!c) {
      c = {
        actor: v.actor,
        keys: new Map(),
        requests: 0,
        served: 0,
        throttled: 0,
        blocked: 0,
        other: 0,
        sent: new Set(),
        servedPrompts: new Set(),
        firstBlock: null,
        servedBeforeFirstBlock: 0,
        lastIndex: -1,
      };
      campaigns.set(v.actor, c);
    }
    c.requests++;
    c.lastIndex = v.index;
    c.sent.add(v.prompt);
    let key = c.keys.get(v.key);
    if (!key) {
      key = { firstBlockIndex: -1, refused: false };
      c.keys.set(v.key, key);
    }
    if (outcome === "served") {
      c.served++;
      c.servedPrompts.add(v.prompt);
      if (c.firstBlock === null) c.servedBeforeFirstBlock++;
    } else if (outcome === "throttled") {
      c.throttled++;
      key.refused = true;
    } else if (outcome === "blocked") {
      c.blocked++;
      key.refused = true;
      if (key.firstBlockIndex < 0) key.firstBlockIndex = v.index;
      if (c.firstBlock === null) c.firstBlock = { index: v.index, t: v.t, ordinal: c.requests };
    } else {
      c.other++;
    }
  }

  for (const flags of accounts.values()) {
    const group = byKind[flags.kind]!;
    for (const g of [overall, group]) {
      g.accounts++;
      if (flags.blocked) g.accountsBlocked++;
      if (flags.throttledForExtraction) g.accountsThrottledForExtraction++;
      if (flags.throttled) g.accountsThrottled++;
      if (flags.blocked || flags.throttled) g.accountsRefused++;
    }
  }

  const campaignMetrics: CampaignMetrics[] = [];
  for (const c of campaigns.values()) {
    let keysBlockedBeforeEnd = 0;
    let keysEverBlocked = 0;
    let keysThrottledOrBlocked = 0;
    for (const key of c.keys.values()) {
      if (key.firstBlockIndex >= 0) keysEverBlocked++;
      if (key.firstBlockIndex >= 0 && key.firstBlockIndex < c.lastIndex) keysBlockedBeforeEnd++;
      if (key.refused) keysThrottledOrBlocked++;
    }
    const kind = actorKind(c.actor);
    campaignMetrics.push({
      actor: c.actor,
      kind,
      type: campaignType(kind),
      keys: c.keys.size,
      requests: c.requests,
      served: c.served,
      throttled: c.throttled,
      blocked: c.blocked,
      other: c.other,
      promptsSent: c.sent.size,
      promptsServed: c.servedPrompts.size,
      leakage: ratio(c.servedPrompts.size, c.sent.size),
      firstBlock: c.firstBlock,
      servedBeforeFirstBlock: c.servedBeforeFirstBlock,
      lastIndex: c.lastIndex,
      keysBlockedBeforeEnd,
      keysEverBlocked,
      keysThrottledOrBlocked,
      shareKeysBlockedBeforeEnd: ratio(keysBlockedBeforeEnd, c.keys.size),
      shareKeysThrottledOrBlocked: ratio(keysThrottledOrBlocked, c.keys.size),
    });
  }
  campaignMetrics.sort((a, b) => (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0));

  return {
    requests: verdicts.length,
    byOutcome,
    byStatus,
    byCause,
    refusalsWithoutDebug,
    benign: { overall, byKind },
    campaigns: campaignMetrics,
  };
}

/**
 * Leakage ceilings per campaign type. Heavy sweeps and hydras are loud, so little may leak; every
 * shape built to look like people or to dodge one rule may leak a fifth. Types not listed get no
 * leakage verdict.
 */
export const LEAKAGE_TARGETS: Readonly<Record<string, number>> = {
  heavy: 0.01,
  hydra: 0.05,
  slow: 0.2,
  blend: 0.2,
  rotating: 0.2,
  paraphrase: 0.2,
  multiturn: 0.2,
  fabricated: 0.2,
  padding: 0.2,
  enduser: 0.2,
  swarm: 0.2,
  mimicry: 0.2,
  reasoning: 0.2,
};
export const BENIGN_BLOCKED_MAX = 0.001;
export const BENIGN_EXTRACTION_THROTTLED_MAX = 0.005;
/** Benign kinds that are services, never to be blocked; people (user, power, sdkuser) fall under the shares above. */
export const NEVER_BLOCKED_KINDS: readonly string[] = ["app", "batch"];
export const MULTI_KEY_BLOCKED_MIN = 0.95;

export interface TargetCheck {
  id: string;
  description: string;
  actual: number;
  limit: number;
  comparison: "<=" | ">=";
  /** how to print actual/limit */
  unit: "share" | "count";
  pass: boolean;
}

export function checkTargets(m: Metrics): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const add = (c: Omit<TargetCheck, "pass">): void => {
    checks.push({ ...c, pass: c.comparison === "<=" ? c.actual <= c.limit : c.actual >= c.limit });
  };
  const b = m.benign.overall;
  add({
    id: "benign-blocked",
    description: "benign accounts ever blocked",
    actual: ratio(b.accountsBlocked, b.accounts),
    limit: BENIGN_BLOCKED_MAX,
    comparison: "<=",
    unit: "share",
  });
  add({
    id: "benign-extraction-throttled",
    description: "benign accounts ever throttled for extraction",
    actual: ratio(b.accountsThrottledForExtraction, b.accounts),
    limit: BENIGN_EXTRACTION_THROTTLED_MAX,
    comparison: "<=",
    unit: "share",
  });
  let protectedBlocked = 0;
  for (const kind of NEVER_BLOCKED_KINDS) protectedBlocked += m.benign.byKind[kind]?.accountsBlocked ?? 0;
  add({
    id: "app-batch-blocked",
    description: `${NEVER_BLOCKED_KINDS.join(" or ")} accounts blocked`,
    actual: protectedBlocked,
    limit: 0,
    comparison: "<=",
    unit: "count",
  });
  for (const c of m.campaigns) {
    const limit = LEAKAGE_TARGETS[c.type];
    if (limit !== undefined) {
      add({ id: `leakage:${c.actor}`, description: `${c.actor} leakage`, actual: c.leakage, limit, comparison: "<=", unit: "share" });
    }
  }
  for (const c of m.campaigns) {
    if (c.keys > 1) {
      add({
        id: `keys-blocked:${c.actor}`,
        description: `${c.actor} keys blocked before its end`,
        actual: c.shareKeysBlockedBeforeEnd,
        limit: MULTI_KEY_BLOCKED_MIN,
        comparison: ">=",
        unit: "share",
      });
    }
  }
  return checks;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summariseLatency(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const total = sorted.reduce((sum, x) => sum + x, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length > 0 ? total / sorted.length : Number.NaN,
  };
}
