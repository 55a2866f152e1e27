/**
 * Every DETECTION_POLICY field moves a decision: for each one, a synthetic window whose figure sits
 * exactly at the threshold, judged once with the threshold at that figure and once just past it,
 * gives two different actions. The policy goes in as an operator would write it (JSON through
 * parseConfig), so a field that parsed but never reached the scoring code would fail here too.
 */
import { describe, expect, it } from "vitest";
import { parseConfig, policyField, policyJson, POLICY_SPEC, type Config, type PolicyKey } from "../../core/config";
import { actionFor, assessAccount, assessFingerprint, assessFrame, type AccountFigures, type Action, type FingerprintFigures, type FrameFigures } from "../../core/policy";
import { frameEligible, type FrameShape } from "../../core/signals/frames";
import { nextVerdict, type ExtractionVerdict } from "../../core/verdict";
import { accountFigures, fingerprintFigures } from "./figures";
import { Ledger } from "../../core/signals/ledger";
import { ACCOUNT_LEDGER_CAPACITY, accountWindow, assessAccountWindow, recordAccountPrompt } from "../../durable-objects/windows";

/** 40 fresh novel single-shot prompts, all asking for logprobs: the gate and one piece of evidence (score 0.5). */
function account(over: Partial<AccountFigures>): AccountFigures {
  return accountFigures(40, { harvest: 40, topics: 39, ...over });
}

/** 20 accounts on one network and client, harvesting dataset tasks: four pieces of evidence (score 2). */
function fingerprint(over: Partial<FingerprintFigures>): FingerprintFigures {
  return fingerprintFigures(60, 20, { harvest: 60, task: 30, topics: 58, networkBound: true, ...over });
}

const ofAccount =
  (f: Partial<AccountFigures>) =>
  (cfg: Config): Action =>
    actionFor(assessAccount(account(f), cfg).score, cfg);
const ofFingerprint =
  (f: Partial<FingerprintFigures>) =>
  (cfg: Config): Action =>
    actionFor(assessFingerprint(fingerprint(f), cfg).score, cfg);

/** 10 new accounts, 10 distinct inputs in one frame (score 2), counted only when the request's shape is eligible. */
const ofFrame =
  (shape: FrameShape, over: Partial<FrameFigures> = {}) =>
  (cfg: Config): Action =>
    frameEligible(shape, cfg) ? actionFor(assessFrame({ requests: 10, accounts: 10, prompts: 10, spanMs: 3600_000, ...over }, cfg).score, cfg) : "allow";
const ELIGIBLE: FrameShape = { history: false, frameWords: 8, words: 40 };

/** Harvest plus half the requests seconds apart: two pieces of evidence, score 1. */
const TWO = { fast: 20 };

/** A throttled subject that keeps scoring as extraction for `strikes` more requests. */
function afterStrikes(strikes: number) {
  return (cfg: Config): Action => {
    const sweep = { score: cfg.THROTTLE_SCORE, reasons: ["sweep"], evidence: [], signals: {} };
    let v: ExtractionVerdict | null = nextVerdict(null, sweep, 0, cfg);
    for (let i = 1; i <= strikes; i++) v = nextVerdict(v, sweep, i * 1000, cfg);
    return v?.action ?? "allow";
  };
}

/** 40 harvesting single-shot prompts 5 s apart through the account's own classification and window. */
function pacedStream(cfg: Config): Action {
  const w = accountWindow(cfg);
  const ledger = new Ledger(ACCOUNT_LEDGER_CAPACITY);
  let last: number | null = null;
  for (let i = 0; i < 40; i++) {
    const now = T0 + i * 5000;
    const h: [number, number] = [Math.imul(i + 1, 0x9e3779b1) >>> 0, Math.imul(i + 7, 0x85ebca6b) >>> 0];
    const prompt = {
      prompt: h,
      template: [h[1], h[0]] as [number, number],
      conversation: h,
      shingles: new Uint32Array(0),
      topic: i,
      history: false,
      previous: null,
      state: 1000 + i,
      cues: 0,
      harvest: true,
      longOutput: false,
      tokens: 10,
    };
    const seen = recordAccountPrompt(w, ledger, last, { now, prompt, network: null, endUser: null, fingerprints: [] }, now, cfg.PACE_GAP_S * 1000);
    if (seen.fresh) last = now;
  }
  return actionFor(assessAccountWindow(w, T0 + 40 * 5000, cfg).score, cfg);
}
const T0 = Date.UTC(2026, 0, 5, 9);

interface Row {
  key: PolicyKey;
  /** What the input's figure is, for the test's name. */
  input: string;
  /** The threshold at the input's figure (the signal fires), and just past it (it does not). */
  fires: number;
  quiet: number;
  decide: (cfg: Config) => Action;
  whenFires: Action;
  whenQuiet: Action;
}

const ROWS: Row[] = [
  { key: "THROTTLE_SCORE", input: "score 0.5", fires: 0.5, quiet: 0.75, decide: ofAccount({}), whenFires: "throttle", whenQuiet: "allow" },
  { key: "BLOCK_SCORE", input: "score 1", fires: 1, quiet: 1.5, decide: ofAccount(TWO), whenFires: "block", whenQuiet: "throttle" },
  { key: "ESCALATE_AFTER", input: "5 strikes through a throttle", fires: 5, quiet: 6, decide: afterStrikes(5), whenFires: "block", whenQuiet: "throttle" },
  {
    key: "MIN_REQUESTS",
    input: "20 fresh requests",
    fires: 20,
    quiet: 21,
    decide: ofAccount({ requests: 20, fresh: 20, distinctPrompts: 20, singleShot: 20, distinctTemplates: 20, harvest: 20, fast: 10 }),
    whenFires: "throttle",
    whenQuiet: "allow",
  },
  { key: "NOVELTY_RATIO", input: "novelty 0.75", fires: 0.75, quiet: 0.76, decide: ofAccount({ ...TWO, distinctPrompts: 30, distinctTemplates: 30 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "SINGLE_SHOT_RATIO", input: "single-shot 0.75", fires: 0.75, quiet: 0.76, decide: ofAccount({ ...TWO, singleShot: 30 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "HARVEST_RATIO", input: "harvest 0.75", fires: 0.75, quiet: 0.76, decide: ofAccount({ ...TWO, harvest: 30 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "ELICIT_RATIO", input: "elicitation on 0.75", fires: 0.75, quiet: 0.76, decide: ofAccount({ elicit: 30 }), whenFires: "throttle", whenQuiet: "allow" },
  {
    key: "TASK_TURN_RATIO",
    input: "dataset tasks on 0.4 of 30 conversation turns",
    fires: 0.4,
    quiet: 0.41,
    decide: ofAccount({ withHistory: 30, taskTurns: 12 }),
    whenFires: "throttle",
    whenQuiet: "allow",
  },
  { key: "TASK_RATIO", input: "task style on 0.4 of single-shot prompts", fires: 0.4, quiet: 0.41, decide: ofAccount({ task: 16 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "FABRICATED_RATIO", input: "6 of 8 histories never held", fires: 0.75, quiet: 0.76, decide: ofAccount({ unverified: 6, withHistory: 8 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "PACE_RATIO", input: "pace 0.75", fires: 0.75, quiet: 0.76, decide: ofAccount({ fast: 30 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "PACE_GAP_S", input: "prompts 5 s apart", fires: 6, quiet: 5, decide: pacedStream, whenFires: "throttle", whenQuiet: "allow" },
  { key: "SINGLES_BUDGET", input: "40 novel single-shot prompts", fires: 40, quiet: 41, decide: ofAccount({}), whenFires: "throttle", whenQuiet: "allow" },
  {
    key: "PADDING_RATIO",
    input: "10 stale re-sends in 50 requests",
    fires: 0.2,
    quiet: 0.21,
    decide: ofAccount({ requests: 50, staleRepeats: 10, distinctStaleRepeats: 10 }),
    whenFires: "throttle",
    whenQuiet: "allow",
  },
  // No sweep gate (nothing single-shot): the volume backstop alone decides.
  {
    key: "DISTINCT_PROMPT_BUDGET",
    input: "3,000 distinct prompts",
    fires: 2999,
    quiet: 3000,
    decide: ofAccount({ requests: 20_000, fresh: 20_000, distinctPrompts: 3000, singleShot: 0, harvest: 0 }),
    whenFires: "throttle",
    whenQuiet: "allow",
  },
  // 10 templates over 40 prompts: a grid, not a batch job.
  { key: "TEMPLATE_REUSE", input: "template ratio 0.25", fires: 0.25, quiet: 0.24, decide: ofAccount({ distinctTemplates: 10 }), whenFires: "throttle", whenQuiet: "allow" },
  // 8 requests: below the sweep gate, so address rotation alone decides.
  {
    key: "NETWORK_SPREAD",
    input: "6 networks over 8 requests",
    fires: 0.75,
    quiet: 0.76,
    decide: ofAccount({ requests: 8, fresh: 8, distinctPrompts: 8, distinctTemplates: 8, singleShot: 8, harvest: 0, networks: 6 }),
    whenFires: "throttle",
    whenQuiet: "allow",
  },
  { key: "FP_SINGLE_SHOT_RATIO", input: "fingerprint single-shot 0.75", fires: 0.75, quiet: 0.76, decide: ofFingerprint({ singleShot: 45, task: 23 }), whenFires: "block", whenQuiet: "allow" },
  { key: "FP_MIN_ACCOUNTS", input: "5 accounts", fires: 5, quiet: 6, decide: ofFingerprint({ accounts: 5, recentAccounts: 5 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "FP_NEW_ACCOUNTS_PER_HOUR", input: "3 accounts within two hours", fires: 3, quiet: 3.5, decide: ofFingerprint({ recentAccounts: 3 }), whenFires: "block", whenQuiet: "throttle" },
  {
    key: "FRAME_MIN_ACCOUNTS",
    input: "7 new accounts in one frame",
    fires: 7,
    quiet: 8,
    decide: ofFrame(ELIGIBLE, { requests: 7, accounts: 7, prompts: 7 }),
    whenFires: "throttle",
    whenQuiet: "allow",
  },
  { key: "FRAME_MIN_WORDS", input: "a frame of 6 unmasked words", fires: 6, quiet: 7, decide: ofFrame({ ...ELIGIBLE, frameWords: 6 }), whenFires: "block", whenQuiet: "allow" },
  { key: "FRAME_INPUT_WORDS", input: "prompts of 24 words", fires: 24, quiet: 25, decide: ofFrame({ ...ELIGIBLE, words: 24 }), whenFires: "block", whenQuiet: "allow" },
];

function withPolicy(key: PolicyKey, value: number): Config {
  return parseConfig({ DETECTION_POLICY: policyJson({ [policyField(key)]: value }) });
}

describe("every detection policy threshold moves a decision", () => {
  it("has a row for every policy field", () => {
    expect(ROWS.map((r) => r.key).sort()).toEqual(Object.keys(POLICY_SPEC).sort());
  });

  it.each(ROWS.map((r) => [policyField(r.key), r.input, r] as const))("%s, against %s", (_field, _input, r) => {
    expect(r.whenFires).not.toBe(r.whenQuiet);
    const fires = withPolicy(r.key, r.fires);
    const quiet = withPolicy(r.key, r.quiet);
    expect(fires[r.key]).toBe(r.fires);
    expect(quiet[r.key]).toBe(r.quiet);
    expect(r.decide(fires)).toBe(r.whenFires);
    expect(r.decide(quiet)).toBe(r.whenQuiet);
  });

  it("a distinct-prompt budget overrun of twice the budget blocks", () => {
    const decide = ofAccount({ requests: 20_000, fresh: 20_000, distinctPrompts: 3000, singleShot: 0, harvest: 0 });
    expect(decide(withPolicy("DISTINCT_PROMPT_BUDGET", 1500))).toBe("block");
    expect(decide(withPolicy("DISTINCT_PROMPT_BUDGET", 1501))).toBe("throttle");
  });

  it("the defaults take two pieces of evidence to throttle and four to block", () => {
    const defaults = parseConfig({});
    expect(ofAccount({})(defaults)).toBe("allow");
    expect(ofAccount(TWO)(defaults)).toBe("throttle");
    expect(ofFingerprint({})(defaults)).toBe("block");
    expect(afterStrikes(POLICY_SPEC.ESCALATE_AFTER.default)(defaults)).toBe("block");
    expect(afterStrikes(POLICY_SPEC.ESCALATE_AFTER.default - 1)(defaults)).toBe("throttle");
  });
});
