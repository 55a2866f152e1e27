/**
 * Every DETECTION_POLICY field moves a decision: for each one, a synthetic window whose figure sits
 * exactly at the threshold, judged once with the threshold at that figure and once just past it,
 * gives two different actions. The policy goes in as an operator would write it (JSON through
 * parseConfig), so a field that parsed but never reached the scoring code would fail here too.
 */
import { describe, expect, it } from "vitest";
import { parseConfig, policyField, policyJson, POLICY_SPEC, type Config, type PolicyKey } from "../../core/config";
import { actionFor, assessAccount, assessFingerprint, type AccountFigures, type Action, type FingerprintFigures } from "../../core/policy";
import { nextVerdict, type ExtractionVerdict } from "../../core/verdict";

const BUCKETS = 1024;

/** 40 novel single-shot prompts that share no phrasing: the sweep gate and the fresh-prompts signal fire (score 1). */
function account(over: Partial<AccountFigures>): AccountFigures {
  return { requests: 40, distinctPrompts: 40, distinctTemplates: 40, singleShot: 40, harvest: 0, topics: 39, topicBuckets: BUCKETS, shingles: 100, shingleSamples: 100, networks: 1, endUsers: 0, ...over };
}

/** 20 fresh accounts harvesting novel single-shot prompts through one client (score 2). */
function fingerprint(over: Partial<FingerprintFigures>): FingerprintFigures {
  return { requests: 60, distinctPrompts: 60, distinctTemplates: 60, singleShot: 60, harvest: 60, topics: 58, topicBuckets: BUCKETS, accounts: 20, recentAccounts: 20, accountPrompts: 60, ...over };
}

const ofAccount = (f: Partial<AccountFigures>) => (cfg: Config): Action => actionFor(assessAccount(account(f), cfg).score, cfg);
const ofFingerprint = (f: Partial<FingerprintFigures>) => (cfg: Config): Action => actionFor(assessFingerprint(fingerprint(f), cfg).score, cfg);

/** Shares phrasing (shingle novelty 0.5): only the sweep gate fires, score 0.5. */
const GATE_ONLY = { shingles: 50 };

/** A throttled subject that keeps scoring as extraction for `strikes` more requests. */
function afterStrikes(strikes: number) {
  return (cfg: Config): Action => {
    const sweep = { score: cfg.THROTTLE_SCORE, reasons: ["sweep"], signals: {} };
    let v: ExtractionVerdict | null = nextVerdict(null, sweep, 0, cfg);
    for (let i = 1; i <= strikes; i++) v = nextVerdict(v, sweep, i * 1000, cfg);
    return v?.action ?? "allow";
  };
}

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
  { key: "THROTTLE_SCORE", input: "score 0.5", fires: 0.5, quiet: 0.75, decide: ofAccount(GATE_ONLY), whenFires: "throttle", whenQuiet: "allow" },
  { key: "BLOCK_SCORE", input: "score 1", fires: 1, quiet: 1.5, decide: ofAccount({}), whenFires: "block", whenQuiet: "throttle" },
  { key: "ESCALATE_AFTER", input: "5 strikes through a throttle", fires: 5, quiet: 6, decide: afterStrikes(5), whenFires: "block", whenQuiet: "throttle" },
  { key: "MIN_REQUESTS", input: "20 requests", fires: 20, quiet: 21, decide: ofAccount({ requests: 20, distinctPrompts: 20, singleShot: 20, distinctTemplates: 20 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "NOVELTY_RATIO", input: "novelty 0.75", fires: 0.75, quiet: 0.76, decide: ofAccount({ distinctPrompts: 30, distinctTemplates: 30 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "SINGLE_SHOT_RATIO", input: "single-shot 0.75", fires: 0.75, quiet: 0.76, decide: ofAccount({ singleShot: 30 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "HARVEST_RATIO", input: "harvest 0.75", fires: 0.75, quiet: 0.76, decide: ofAccount({ ...GATE_ONLY, harvest: 30 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "NOVEL_SINGLES", input: "40 novel single-shot prompts", fires: 40, quiet: 41, decide: ofAccount({}), whenFires: "throttle", whenQuiet: "allow" },
  { key: "SHINGLE_NOVELTY", input: "shingle novelty 0.75", fires: 0.75, quiet: 0.76, decide: ofAccount({ shingles: 75 }), whenFires: "throttle", whenQuiet: "allow" },
  // No sweep gate (nothing single-shot): the volume backstop alone decides.
  { key: "DISTINCT_PROMPT_BUDGET", input: "3,000 distinct prompts", fires: 2999, quiet: 3000, decide: ofAccount({ requests: 20_000, distinctPrompts: 3000, singleShot: 0 }), whenFires: "throttle", whenQuiet: "allow" },
  // 10 templates over 40 prompts: a grid, not a batch job.
  { key: "TEMPLATE_REUSE", input: "template ratio 0.25", fires: 0.25, quiet: 0.24, decide: ofAccount({ ...GATE_ONLY, distinctTemplates: 10 }), whenFires: "throttle", whenQuiet: "allow" },
  // 8 requests: below the sweep gate, so address rotation alone decides.
  { key: "NETWORK_SPREAD", input: "6 networks over 8 requests", fires: 0.75, quiet: 0.76, decide: ofAccount({ requests: 8, distinctPrompts: 8, distinctTemplates: 8, singleShot: 8, networks: 6 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "FP_SINGLE_SHOT_RATIO", input: "fingerprint single-shot 0.75", fires: 0.75, quiet: 0.76, decide: ofFingerprint({ singleShot: 45 }), whenFires: "block", whenQuiet: "allow" },
  { key: "FP_MIN_ACCOUNTS", input: "5 accounts", fires: 5, quiet: 6, decide: ofFingerprint({ accounts: 5, recentAccounts: 5 }), whenFires: "throttle", whenQuiet: "allow" },
  { key: "FP_NEW_ACCOUNTS_PER_HOUR", input: "3 accounts within two hours", fires: 3, quiet: 3.5, decide: ofFingerprint({ recentAccounts: 3 }), whenFires: "block", whenQuiet: "throttle" },
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
    const decide = ofAccount({ requests: 20_000, distinctPrompts: 3000, singleShot: 0 });
    expect(decide(withPolicy("DISTINCT_PROMPT_BUDGET", 1500))).toBe("block");
    expect(decide(withPolicy("DISTINCT_PROMPT_BUDGET", 1501))).toBe("throttle");
  });

  it("the defaults judge the same inputs as before the policy became one var", () => {
    const defaults = parseConfig({});
    expect(ofAccount({})(defaults)).toBe("throttle");
    expect(ofAccount(GATE_ONLY)(defaults)).toBe("allow");
    expect(ofFingerprint({})(defaults)).toBe("block");
    expect(afterStrikes(POLICY_SPEC.ESCALATE_AFTER.default)(defaults)).toBe("block");
    expect(afterStrikes(POLICY_SPEC.ESCALATE_AFTER.default - 1)(defaults)).toBe("throttle");
  });
});
