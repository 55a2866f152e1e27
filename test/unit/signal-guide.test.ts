import { describe, expect, it } from "vitest";
import { parseConfig, policyJson } from "../../core/config";
import { assessAccount, assessFingerprint } from "../../core/policy";
import { signalGuide } from "../../core/signal-guide";
import { nextVerdict, verdictWhy, type ExtractionVerdict } from "../../core/verdict";
import { accountFigures, fingerprintFigures } from "./figures";

describe("signal guide", () => {
  const cfg = parseConfig({ DETECTION_POLICY: policyJson({ templateReuse: 0.3, fpSingleShotRatio: 0.95 }) });

  it("labels every figure an account or a fingerprint reports, with no internal names as labels", () => {
    const a = assessAccount(accountFigures(300, { harvest: 300, fast: 300, staleRepeats: 40, distinctStaleRepeats: 35, endUsers: 20, networks: 280 }), cfg);
    const f = assessFingerprint(fingerprintFigures(60, 20, { harvest: 60, task: 30, networkBound: true }), cfg);
    for (const [subject, signals] of [
      ["account", a.signals],
      ["fingerprint", f.signals],
    ] as const) {
      const guide = signalGuide(cfg, subject);
      for (const name of Object.keys(signals)) {
        expect(guide[name], `${subject} signal ${name}`).toBeDefined();
        expect(guide[name]!.label).not.toMatch(/[a-z][A-Z]/);
      }
    }
  });

  it("reads the thresholds from the policy in force", () => {
    expect(signalGuide(cfg, "account").templateRatio).toMatchObject({ label: "template ratio", threshold: 0.3, evidence: "at or below", field: "templateReuse" });
    expect(signalGuide(cfg, "account").singleShot!.threshold).toBe(cfg.SINGLE_SHOT_RATIO);
    expect(signalGuide(cfg, "fingerprint").singleShot!.threshold).toBe(0.95);
    expect(signalGuide(parseConfig({}), "account").novelty!.threshold).toBe(0.85);
  });
});

describe("why a verdict has its action", () => {
  const cfg = parseConfig({});
  const sweep = { score: cfg.THROTTLE_SCORE, reasons: ["sweep"], evidence: [], signals: {} };

  it("says a block reached by escalation was reached after the throttled requests, not by its score", () => {
    let v: ExtractionVerdict | null = nextVerdict(null, sweep, 0, cfg);
    expect(v!.action).toBe("throttle");
    expect(verdictWhy(v!, cfg)).toBe(`score 1 ≥ throttle score ${cfg.THROTTLE_SCORE}`);
    for (let i = 1; i <= cfg.ESCALATE_AFTER; i++) v = nextVerdict(v, sweep, i * 1000, cfg);
    expect(v!.action).toBe("block");
    expect(v!.score).toBeLessThan(cfg.BLOCK_SCORE);
    expect(v!.basis).toBe("escalation");
    expect(verdictWhy(v!, cfg)).toBe(`blocked after ${cfg.ESCALATE_AFTER} throttled requests (escalation)`);
  });

  it("says a block by score, a repeat offence, a fingerprint's verdict, and explains a stored verdict without a basis", () => {
    const block = nextVerdict(null, { ...sweep, score: 2.5 }, 0, cfg)!;
    expect(verdictWhy(block, cfg)).toBe("score 2.5 ≥ block score 2");
    const lapsed = { ...block, until: 1000 };
    const repeat = nextVerdict(lapsed, sweep, 2000, cfg)!;
    expect(repeat.action).toBe("block");
    expect(verdictWhy(repeat, cfg)).toMatch(/^blocked at once: blocked for extraction 1 time\(s\) before/);
    expect(verdictWhy({ ...block, basis: "fingerprint", via: "s0123" }, cfg)).toBe("blocked with its client fingerprint s0123");
    const { basis: _, ...legacy } = { ...block, score: 1 };
    expect(verdictWhy(legacy, cfg)).toMatch(/escalation/);
  });
});
