import { describe, expect, it } from "vitest";
import { parseConfig } from "../../core/config";
import { actionFor, assessAccount, assessFingerprint, type AccountFigures, type FingerprintFigures } from "../../core/policy";
import { isActive, nextVerdict } from "../../core/verdict";

const cfg = parseConfig({});
const C = 1024;

function account(over: Partial<AccountFigures>): AccountFigures {
  return { requests: 40, distinctPrompts: 40, distinctTemplates: 40, singleShot: 40, harvest: 0, topics: 39, topicBuckets: C, shingles: 100, shingleSamples: 100, networks: 1, endUsers: 0, ...over };
}

describe("account signals", () => {
  it("flags a harvesting sweep of novel single-shot prompts", () => {
    const a = assessAccount(account({ harvest: 40 }), cfg);
    expect(actionFor(a.score, cfg)).not.toBe("allow");
    expect(a.reasons.join(" ")).toMatch(/novel single-shot/);
    expect(a.reasons.join(" ")).toMatch(/harvesting/);
  });

  it("does not judge before MIN_REQUESTS", () => {
    const a = assessAccount(account({ requests: cfg.MIN_REQUESTS - 1, distinctPrompts: cfg.MIN_REQUESTS - 1, singleShot: cfg.MIN_REQUESTS - 1, harvest: 10 }), cfg);
    expect(a.score).toBe(0);
  });

  it("lets a chatty user through: conversations are not single-shot", () => {
    const a = assessAccount(account({ requests: 60, distinctPrompts: 55, singleShot: 20, harvest: 0 }), cfg);
    expect(a.score).toBe(0);
  });

  it("lets a power user through: they repeat themselves", () => {
    const a = assessAccount(account({ requests: 300, distinctPrompts: 100, singleShot: 230 }), cfg);
    expect(a.score).toBe(0);
  });

  it("lets a batch job through: one instruction over many inputs, no harvesting", () => {
    const a = assessAccount(account({ requests: 300, distinctPrompts: 270, distinctTemplates: 1, singleShot: 300, topics: 200 }), cfg);
    expect(actionFor(a.score, cfg)).toBe("allow");
    expect(a.signals.batchLike).toBe(1);
  });

  it("keeps an app that passes end-user ids below the throttle", () => {
    const a = assessAccount(account({ requests: 400, distinctPrompts: 380, singleShot: 380, harvest: 0, endUsers: 120 }), cfg);
    expect(actionFor(a.score, cfg)).toBe("allow");
  });

  it("flags a blended key once its novel single-shot prompts with no near-duplicates pile up", () => {
    const a = assessAccount(account({ requests: 60, distinctPrompts: 55, singleShot: 45, harvest: 0, topics: 50, shingles: 190, shingleSamples: 200 }), cfg);
    expect(actionFor(a.score, cfg)).toBe("throttle");
    expect(a.reasons.join(" ")).toMatch(/no near-duplicates/);
  });

  it("lets a power user's variations through: they share phrasing", () => {
    const a = assessAccount(account({ requests: 34, distinctPrompts: 29, singleShot: 25, harvest: 0, shingles: 120, shingleSamples: 200 }), cfg);
    expect(actionFor(a.score, cfg)).toBe("allow");
  });

  it("flags address rotation on a few novel single-shot requests", () => {
    const a = assessAccount(account({ requests: 6, distinctPrompts: 6, singleShot: 6, networks: 6 }), cfg);
    expect(actionFor(a.score, cfg)).toBe("throttle");
    expect(a.reasons.join(" ")).toMatch(/address rotation/);
  });

  it("counts a grid of reused templates as a sweep", () => {
    const plain = assessAccount(account({ requests: 200, distinctPrompts: 200, distinctTemplates: 200, singleShot: 200 }), cfg);
    const grid = assessAccount(account({ requests: 200, distinctPrompts: 200, distinctTemplates: 8, singleShot: 200 }), cfg);
    expect(grid.score).toBeGreaterThan(plain.score);
  });

  it("treats a distinct-prompt budget overrun as evidence on its own", () => {
    const a = assessAccount(account({ requests: 20_000, distinctPrompts: 2.5 * cfg.DISTINCT_PROMPT_BUDGET, singleShot: 0 }), cfg);
    expect(actionFor(a.score, cfg)).toBe("block");
  });
});

function fingerprint(over: Partial<FingerprintFigures>): FingerprintFigures {
  return { requests: 60, distinctPrompts: 60, distinctTemplates: 60, singleShot: 60, harvest: 60, topics: 58, topicBuckets: C, accounts: 20, recentAccounts: 20, accountPrompts: 60, ...over };
}

describe("fingerprint signals", () => {
  it("blocks a hydra: many fresh accounts sweeping through one client", () => {
    const a = assessFingerprint(fingerprint({}), cfg);
    expect(actionFor(a.score, cfg)).toBe("block");
    expect(a.signals.partition).toBe(1);
  });

  it("ignores a fingerprint with a single account (that account is judged on its own)", () => {
    expect(assessFingerprint(fingerprint({ accounts: 1, recentAccounts: 1 }), cfg).score).toBe(0);
  });

  it("lets many ordinary users of one SDK through", () => {
    const a = assessFingerprint(fingerprint({ requests: 500, distinctPrompts: 420, singleShot: 240, harvest: 10, accounts: 60, recentAccounts: 4 }), cfg);
    expect(a.score).toBe(0);
  });

  it("lets a handful of users who happen to share a client through, even if their prompts are all new", () => {
    const a = assessFingerprint(fingerprint({ requests: 19, distinctPrompts: 19, singleShot: 14, harvest: 0, accounts: 4, recentAccounts: 4 }), cfg);
    expect(a.score).toBe(0);
  });
});

describe("verdicts", () => {
  const sweep = { score: 1, reasons: ["r"], signals: {} };
  it("escalates a throttle to a block when the sweep carries on through it", () => {
    let v = nextVerdict(null, sweep, 0, cfg);
    expect(v?.action).toBe("throttle");
    for (let i = 1; i <= cfg.ESCALATE_AFTER; i++) v = nextVerdict(v, sweep, i * 1000, cfg);
    expect(v?.action).toBe("block");
    expect(v?.reasons.at(-1)).toMatch(/through a throttle/);
  });

  it("keeps a verdict until it expires and does not downgrade it early", () => {
    const v = nextVerdict(null, { score: 2, reasons: ["b"], signals: {} }, 0, cfg)!;
    expect(v.action).toBe("block");
    expect(nextVerdict(v, { score: 0, reasons: [], signals: {} }, 1000, cfg)).toBe(v);
    const lapsed = nextVerdict(v, { score: 0, reasons: [], signals: {} }, v.until! + 1, cfg);
    expect(isActive(lapsed, v.until! + 1)).toBe(false);
  });
});

describe("repeat offenders", () => {
  const gateOnly = { score: 0.5, reasons: ["gate"], signals: {} };
  const sweep = { score: 1, reasons: ["r"], signals: {} };
  it("blocks again on half the evidence once a block has lapsed, for longer each time", () => {
    const first = nextVerdict(null, { score: 2, reasons: ["b"], signals: {} }, 0, cfg)!;
    expect(first.offences).toBe(1);
    const firstLength = first.until! - first.since;
    const t = first.until! + 1;
    expect(nextVerdict(null, gateOnly, t, cfg)).toBeNull();
    const again = nextVerdict(first, gateOnly, t, cfg)!;
    expect(again.action).toBe("block");
    expect(again.offences).toBe(2);
    expect(again.reasons.at(-1)).toMatch(/repeat offence/);
    expect(again.until! - again.since).toBe(4 * firstLength);
  });

  it("leaves a subject that was only ever throttled to the normal thresholds", () => {
    const throttled = nextVerdict(null, sweep, 0, cfg)!;
    expect(throttled.action).toBe("throttle");
    const lapsed = throttled.until! + 1;
    expect(isActive(nextVerdict(throttled, gateOnly, lapsed, cfg), lapsed)).toBe(false);
  });
});
