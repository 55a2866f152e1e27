import { describe, expect, it } from "vitest";
import { parseConfig } from "../../core/config";
import { actionFor, assessAccount, assessFingerprint, type AccountFigures, type Assessment, type FingerprintFigures } from "../../core/policy";
import { isActive, nextVerdict } from "../../core/verdict";
import { accountFigures, fingerprintFigures } from "./figures";

const cfg = parseConfig({});

/** 40 fresh, novel, single-shot prompts with no other evidence: what a person's questions look like. */
function account(over: Partial<AccountFigures>): AccountFigures {
  return accountFigures(40, { topics: 39, ...over });
}

/** 20 accounts' fresh, novel single-shot prompts through one client stack: what a crowd on one SDK looks like. */
function fingerprint(over: Partial<FingerprintFigures>): FingerprintFigures {
  return fingerprintFigures(200, 20, { task: 20, topics: 180, ...over });
}

const signalsOf = (a: Assessment) => a.evidence.filter((e) => e.weight !== 0).map((e) => e.signal);
const action = (a: Assessment) => actionFor(a.score, cfg);

describe("people pass", () => {
  it("serves a person's 40 unrelated single-shot questions: the sweep shape alone is no evidence", () => {
    const a = assessAccount(account({}), cfg);
    expect(a.score).toBe(0);
    expect(a.evidence).toEqual([]);
  });

  it("serves a crowd of independent users on one SDK: sharing a client is no evidence", () => {
    const a = assessFingerprint(
      fingerprint({ accounts: 400, recentAccounts: 60, accountPrompts: 2000, requests: 2000, fresh: 2000, distinctPrompts: 2000, distinctTemplates: 2000, singleShot: 2000, task: 200 }),
      cfg,
    );
    expect(action(a)).toBe("allow");
    expect(a.evidence).toEqual([]);
  });

  it("serves a chatty user: conversations built here are not single-shot", () => {
    expect(assessAccount(account({ singleShot: 15, withHistory: 25, harvest: 40 }), cfg).score).toBe(0);
  });

  it("serves a batch job: one instruction over many inputs, fast, no harvesting", () => {
    const a = assessAccount(account({ requests: 300, fresh: 300, distinctPrompts: 300, distinctTemplates: 1, singleShot: 300, task: 300, fast: 299, topics: 200 }), cfg);
    expect(action(a)).toBe("allow");
    expect(a.evidence.map((e) => e.signal)).toEqual(["batchJob"]);
  });

  it("does not take a template-by-template sweep asking for long answers for a batch job", () => {
    const sweep = assessAccount(account({ requests: 300, fresh: 300, distinctPrompts: 300, distinctTemplates: 1, singleShot: 300, task: 300, fast: 299, topics: 200, longOutput: 300 }), cfg);
    expect(sweep.evidence.map((e) => e.signal)).not.toContain("batchJob");
    expect(action(sweep)).toBe("block");
  });

  it("serves a person whose conversation turns follow up on the answers, a fifth of them tasks", () => {
    const a = assessAccount(account({ singleShot: 10, withHistory: 90, requests: 100, fresh: 100, distinctPrompts: 100, distinctTemplates: 100, taskTurns: 18 }), cfg);
    expect(a.score).toBe(0);
    expect(a.signals.taskTurns).toBe(0.2);
  });

  it("keeps an app whose end users come back and hold conversations below the throttle", () => {
    const a = assessAccount(account({ requests: 400, fresh: 400, distinctPrompts: 400, distinctTemplates: 400, singleShot: 300, withHistory: 100, harvest: 400, fast: 400, endUsers: 50 }), cfg);
    expect(action(a)).toBe("allow");
    expect(a.signals.appLike).toBe(1);
  });
});

describe("each signal adds evidence, and two throttle", () => {
  const cases: [string, Partial<AccountFigures>, string][] = [
    ["harvest", { harvest: 40 }, "logprobs"],
    ["elicitation", { elicit: 25 }, "reasoning traces"],
    ["taskStyle", { task: 20 }, "dataset tasks"],
    ["fabricatedHistory", { unverified: 8, withHistory: 10 }, "never held here"],
    ["machinePace", { fast: 25 }, "seconds after"],
    ["templateGrid", { distinctTemplates: 8 }, "template grid"],
    ["padding", { requests: 80, staleRepeats: 12, distinctStaleRepeats: 11 }, "re-sends"],
  ];
  for (const [signal, figures, words] of cases) {
    it(`${signal} alone is half a throttle; with harvesting it throttles`, () => {
      const alone = assessAccount(account(figures), cfg);
      expect(signalsOf(alone)).toEqual([signal]);
      expect(alone.score).toBe(0.5);
      expect(alone.reasons.join(" ")).toContain(words);
      if (signal !== "harvest") expect(action(assessAccount(account({ ...figures, harvest: 40 }), cfg))).toBe("throttle");
    });
  }

  it("a sweep at machine pace, nearly all histories invented, or nearly all of 40 prompts wrapped for reasoning, counts double", () => {
    expect(assessAccount(account({ fast: 39 }), cfg).score).toBe(1);
    expect(assessAccount(account({ unverified: 30, withHistory: 30 }), cfg).score).toBe(1);
    expect(assessAccount(account({ elicit: 38 }), cfg).score).toBe(0.5);
    const many = { requests: 60, fresh: 60, distinctPrompts: 60, distinctTemplates: 60, singleShot: 60, topics: 59 };
    expect(assessAccount(account({ ...many, elicit: 50 }), cfg).score).toBe(1);
  });

  it("a volume of novel single-shot prompts no person types is half a throttle, three times it a whole one", () => {
    const n = cfg.SINGLES_BUDGET;
    const at = (k: number) => account({ requests: k, fresh: k, distinctPrompts: k, distinctTemplates: k, singleShot: k, topics: Math.min(k, 900) });
    expect(signalsOf(assessAccount(at(n - 1), cfg))).toEqual([]);
    expect(assessAccount(at(n), cfg).score).toBe(0.5);
    expect(assessAccount(at(3 * n), cfg).score).toBe(1);
  });

  it("conversations whose turns are new dataset tasks: half a throttle, a whole one when most turns are", () => {
    // Chained into real conversations, so no single-shot gate opens; only the turns give it away.
    const chained = (taskTurns: number) => account({ singleShot: 10, withHistory: 30, taskTurns });
    expect(signalsOf(assessAccount(chained(11), cfg))).toEqual([]);
    const some = assessAccount(chained(14), cfg);
    expect(signalsOf(some)).toEqual(["taskTurns"]);
    expect(action(some)).toBe("allow");
    expect(action(assessAccount(chained(15), cfg))).toBe("throttle");
    // A conversation of repeats of one task is no sweep: novelty gates it.
    expect(signalsOf(assessAccount(account({ singleShot: 10, withHistory: 30, taskTurns: 20, distinctPrompts: 12 }), cfg))).toEqual([]);
  });

  it("end-user ids that never come back are evidence, not a pass", () => {
    const a = assessAccount(account({ requests: 200, fresh: 200, distinctPrompts: 200, distinctTemplates: 200, singleShot: 200, endUsers: 190, harvest: 200 }), cfg);
    expect(signalsOf(a)).toContain("endUserIds");
    expect(action(a)).toBe("throttle");
  });

  it("does not judge before MIN_REQUESTS fresh requests, and repeats do not count towards them", () => {
    const n = cfg.MIN_REQUESTS - 1;
    const a = assessAccount(account({ requests: 200, fresh: n, distinctPrompts: n, distinctTemplates: n, singleShot: n, harvest: n, fast: n }), cfg);
    expect(a.score).toBe(0);
  });

  it("flags address rotation on a few novel single-shot requests, before the gate", () => {
    const a = assessAccount(account({ requests: 6, fresh: 6, distinctPrompts: 6, distinctTemplates: 6, singleShot: 6, networks: 6 }), cfg);
    expect(signalsOf(a)).toEqual(["addressRotation"]);
    expect(action(a)).toBe("throttle");
  });

  it("treats a distinct-prompt budget overrun as evidence on its own", () => {
    const a = assessAccount(account({ requests: 20_000, fresh: 20_000, distinctPrompts: 6000, distinctTemplates: 6000, singleShot: 0 }), cfg);
    expect(signalsOf(a)).toEqual(["promptBudget"]);
    expect(action(a)).toBe("throttle");
  });
});

describe("repeats", () => {
  it("padding is never more than half a throttle, however much of the traffic it is", () => {
    expect(assessAccount(account({ requests: 80, staleRepeats: 40, distinctStaleRepeats: 40 }), cfg).score).toBe(0.5);
  });

  it("a person coming back to a few prompts of their own is not padding", () => {
    const person = assessAccount(account({ requests: 80, staleRepeats: 30, distinctStaleRepeats: 9 }), cfg);
    expect(signalsOf(person)).toEqual([]);
    const padding = assessAccount(account({ requests: 80, staleRepeats: 30, distinctStaleRepeats: 26 }), cfg);
    expect(signalsOf(padding)).toEqual(["padding"]);
  });
});

describe("shadow signals", () => {
  it("reports a shadowed signal's evidence without scoring it", () => {
    const shadow = parseConfig({ SHADOW_SIGNALS: "machinePace" });
    const a = assessAccount(account({ harvest: 40, fast: 30 }), shadow);
    expect(a.score).toBe(0.5);
    expect(a.reasons.some((r) => r.startsWith("(shadow)") && r.includes("seconds after"))).toBe(true);
    expect(assessAccount(account({ harvest: 40, fast: 30 }), cfg).score).toBe(1);
  });

  it("refuses an unknown signal name", () => {
    expect(() => parseConfig({ SHADOW_SIGNALS: "harvest,novelty" })).toThrow(/unknown signal "novelty"/);
  });
});

describe("fingerprint signals", () => {
  it("blocks a hydra: many accounts on one network and client, harvesting dataset tasks in a burst", () => {
    const a = assessFingerprint(fingerprint({ networkBound: true, harvest: 200, task: 120 }), cfg);
    expect(signalsOf(a).sort()).toEqual(["accountBurst", "harvest", "sharedNetwork", "taskStyle"].sort());
    expect(action(a)).toBe("block");
  });

  it("counts a burst of new accounts only on top of other evidence", () => {
    expect(signalsOf(assessFingerprint(fingerprint({ recentAccounts: 200 }), cfg))).toEqual([]);
    expect(signalsOf(assessFingerprint(fingerprint({ elicit: 150 }), cfg))).toContain("accountBurst");
  });

  it("does not let one heavy account make a crowd's fingerprint: evidence must be carried by most of its accounts", () => {
    // 30 people and one campaign key on one SDK stack: the key's 200 wrapped prompts dominate the ratios.
    const mixed = fingerprint({ accounts: 31, recentAccounts: 31, elicit: 150, task: 120, unverified: 100, withHistory: 100, accountsWith: { harvest: 0, elicit: 2, task: 8, unverified: 1 } });
    expect(assessFingerprint(mixed, cfg).evidence.filter((e) => e.weight > 0)).toEqual([]);
    const carried = fingerprint({ accounts: 31, recentAccounts: 31, elicit: 150, task: 120, accountsWith: { harvest: 0, elicit: 28, task: 30, unverified: 0 } });
    expect(signalsOf(assessFingerprint(carried, cfg))).toEqual(expect.arrayContaining(["elicitation", "taskStyle"]));
  });

  it("ignores a fingerprint with too few accounts (each is judged on its own)", () => {
    expect(assessFingerprint(fingerprint({ accounts: 1, harvest: 200, networkBound: true }), cfg).score).toBe(0);
  });

  it("lets a crowd holding conversations through, even on one network", () => {
    expect(assessFingerprint(fingerprint({ singleShot: 100, withHistory: 100, harvest: 200, networkBound: true }), cfg).score).toBe(0);
  });
});

describe("verdicts", () => {
  const sweep = { evidence: [], score: 1, reasons: ["r"], signals: {} };
  it("escalates a throttle to a block when the sweep carries on through it", () => {
    let v = nextVerdict(null, sweep, 0, cfg);
    expect(v?.action).toBe("throttle");
    for (let i = 1; i <= cfg.ESCALATE_AFTER; i++) v = nextVerdict(v, sweep, i * 1000, cfg);
    expect(v?.action).toBe("block");
    expect(v?.reasons.at(-1)).toMatch(/through a throttle/);
  });

  it("keeps a verdict until it expires and does not downgrade it early", () => {
    const v = nextVerdict(null, { evidence: [], score: 2, reasons: ["b"], signals: {} }, 0, cfg)!;
    expect(v.action).toBe("block");
    expect(nextVerdict(v, { evidence: [], score: 0, reasons: [], signals: {} }, 1000, cfg)).toBe(v);
    const lapsed = nextVerdict(v, { evidence: [], score: 0, reasons: [], signals: {} }, v.until! + 1, cfg);
    expect(isActive(lapsed, v.until! + 1)).toBe(false);
  });
});

describe("repeat offenders", () => {
  const gateOnly = { evidence: [], score: 0.5, reasons: ["gate"], signals: {} };
  const sweep = { evidence: [], score: 1, reasons: ["r"], signals: {} };
  it("blocks again on half the evidence once a block has lapsed, for longer each time", () => {
    const first = nextVerdict(null, { evidence: [], score: 2, reasons: ["b"], signals: {} }, 0, cfg)!;
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
