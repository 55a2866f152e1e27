import { describe, expect, it } from "vitest";
import { actorKind, campaignType, checkTargets, computeMetrics, isExtractionThrottle, outcomeOf, percentile, summariseLatency } from "../../eval/metrics";
import type { Cause, Verdict } from "../../eval/metrics";
import { lastUserTurn, promptText } from "../../eval/prompt";
import { schedule } from "../../eval/replay";
import type { IndexedLine } from "../../eval/scenario";
import { parseDebugHeader } from "../../eval/verdict";

/** A hand-made verdict stream: each entry is one request, in scenario order. */
function stream(entries: Array<[actor: string, key: string, status: number, prompt: string, cause?: Cause]>): Verdict[] {
  return entries.map(([actor, key, status, prompt, cause], index) => ({
    index,
    t: 1_000_000 + index * 1000,
    key,
    actor,
    label: actor.startsWith("campaign-") ? "extraction" : "benign",
    status,
    cause: cause ?? (status === 200 ? "none" : "extraction"),
    action: status === 200 ? "allow" : status === 429 ? "throttle" : status === 403 ? "block" : undefined,
    reasons: [],
    prompt,
  }));
}

describe("actor kinds and outcomes", () => {
  it("strips the trailing number of an actor id", () => {
    expect(actorKind("user-0042")).toBe("user");
    expect(actorKind("campaign-hydra-1")).toBe("campaign-hydra");
    expect(actorKind("app-03")).toBe("app");
    expect(actorKind("solo")).toBe("solo");
    expect(campaignType("campaign-slow")).toBe("slow");
    expect(campaignType("power")).toBe("power");
  });

  it("maps statuses to outcomes", () => {
    expect(outcomeOf(200)).toBe("served");
    expect(outcomeOf(204)).toBe("served");
    expect(outcomeOf(429)).toBe("throttled");
    expect(outcomeOf(403)).toBe("blocked");
    expect(outcomeOf(400)).toBe("other");
    expect(outcomeOf(0)).toBe("other");
  });

  it("counts only extraction and override throttles as extraction throttles", () => {
    expect(isExtractionThrottle({ status: 429, cause: "extraction" })).toBe(true);
    expect(isExtractionThrottle({ status: 429, cause: "override" })).toBe(true);
    expect(isExtractionThrottle({ status: 429, cause: "rate" })).toBe(false);
    expect(isExtractionThrottle({ status: 429, cause: "unknown" })).toBe(false);
    expect(isExtractionThrottle({ status: 403, cause: "extraction" })).toBe(false);
  });
});

describe("campaign metrics", () => {
  // Two keys; k1 is blocked at index 4, k2 at index 6; prompt "p2" is sent twice (once served).
  const verdicts = stream([
    ["campaign-hydra-1", "k1", 200, "p1"],
    ["campaign-hydra-1", "k2", 200, "p2"],
    ["user-0001", "u1", 200, "hello"],
    ["campaign-hydra-1", "k1", 429, "p3"],
    ["campaign-hydra-1", "k1", 403, "p4"],
    ["campaign-hydra-1", "k2", 200, "p2"],
    ["campaign-hydra-1", "k2", 403, "p5"],
    ["campaign-hydra-1", "k2", 403, "p6"],
  ]);
  const m = computeMetrics(verdicts);
  const c = m.campaigns[0]!;

  it("measures leakage on distinct prompts", () => {
    expect(m.campaigns).toHaveLength(1);
    expect(c.actor).toBe("campaign-hydra-1");
    expect(c.type).toBe("hydra");
    expect(c.promptsSent).toBe(6); // p1..p6
    expect(c.promptsServed).toBe(2); // p1, p2
    expect(c.leakage).toBeCloseTo(2 / 6);
  });

  it("finds the first block and what was served before it", () => {
    expect(c.firstBlock).toEqual({ index: 4, t: 1_004_000, ordinal: 4 });
    expect(c.servedBeforeFirstBlock).toBe(2); // indices 0 and 1; index 5 came after the block
    expect(c.served).toBe(3);
    expect(c.throttled).toBe(1);
    expect(c.blocked).toBe(3);
  });

  it("counts keys blocked before the campaign's last request", () => {
    // k1 blocked at 4 < 7; k2 first blocked at 6 < 7.
    expect(c.keys).toBe(2);
    expect(c.keysBlockedBeforeEnd).toBe(2);
    expect(c.shareKeysBlockedBeforeEnd).toBe(1);
    expect(c.lastIndex).toBe(7);
  });

  it("does not count a block on the campaign's very last request as before its end", () => {
    const late = computeMetrics(
      stream([
        ["campaign-slow-1", "a", 200, "x1"],
        ["campaign-slow-1", "b", 403, "x2"],
        ["campaign-slow-1", "a", 403, "x3"],
      ]),
    ).campaigns[0]!;
    expect(late.keysEverBlocked).toBe(2);
    expect(late.keysBlockedBeforeEnd).toBe(1);
    expect(late.shareKeysBlockedBeforeEnd).toBe(0.5);
  });

  it("reports a campaign never blocked with all its served requests", () => {
    const never = computeMetrics(
      stream([
        ["campaign-heavy-1", "h", 200, "a"],
        ["campaign-heavy-1", "h", 200, "b"],
        ["campaign-heavy-1", "h", 429, "c", "rate"],
      ]),
    ).campaigns[0]!;
    expect(never.firstBlock).toBeNull();
    expect(never.servedBeforeFirstBlock).toBe(2);
    expect(never.leakage).toBeCloseTo(2 / 3);
    expect(never.keysThrottledOrBlocked).toBe(1);
  });

  it("judges in scenario order whatever order verdicts arrive in", () => {
    const shuffled = [...verdicts].reverse();
    expect(computeMetrics(shuffled)).toEqual(m);
  });
});

describe("benign metrics", () => {
  const m = computeMetrics(
    stream([
      ["user-0001", "u1", 200, "a"],
      ["user-0001", "u1", 429, "b", "rate"],
      ["user-0002", "u2", 429, "c", "extraction"],
      ["user-0003", "u3", 200, "d"],
      ["app-01", "app", 200, "e"],
      ["app-01", "app", 403, "f"],
      ["batch-01", "batch", 200, "g"],
      ["power-01", "pw", 429, "h", "override"],
      ["power-01", "pw", 500, "i", "error"],
    ]),
  );

  it("counts accounts per kind", () => {
    expect(m.benign.overall.accounts).toBe(6);
    expect(m.benign.byKind.user!.accounts).toBe(3);
    expect(m.benign.byKind.app!.accounts).toBe(1);
    expect(m.benign.byKind.batch!.accounts).toBe(1);
    expect(m.benign.byKind.power!.accounts).toBe(1);
  });

  it("separates blocks, extraction throttles and rate throttles", () => {
    const all = m.benign.overall;
    expect(all.accountsBlocked).toBe(1); // app
    expect(all.accountsThrottledForExtraction).toBe(2); // u2 (extraction), pw (override)
    expect(all.accountsThrottled).toBe(3); // u1, u2, pw
    expect(all.accountsRefused).toBe(4);
    expect(all.requests).toBe(9);
    expect(all.requestsRefused).toBe(4);
    expect(all.requestsOther).toBe(1);
    expect(m.benign.byKind.user!.accountsThrottledForExtraction).toBe(1);
    expect(m.benign.byKind.user!.accountsThrottled).toBe(2);
    expect(m.byStatus).toEqual({ "200": 4, "429": 3, "403": 1, "500": 1 });
  });

  it("checks the issue's targets", () => {
    const targets = checkTargets(m);
    const byId = new Map(targets.map((t) => [t.id, t]));
    expect(byId.get("benign-blocked")?.actual).toBeCloseTo(1 / 6);
    expect(byId.get("benign-blocked")?.pass).toBe(false);
    expect(byId.get("benign-extraction-throttled")?.actual).toBeCloseTo(2 / 6);
    expect(byId.get("app-batch-blocked")).toMatchObject({ actual: 1, pass: false });
  });

  it("passes targets when nothing benign is refused and campaigns are stopped", () => {
    const good = computeMetrics(
      stream([
        ["user-0001", "u1", 200, "a"],
        ["campaign-heavy-1", "h", 200, "p1"],
        ["campaign-heavy-1", "h", 403, "p2"],
        ...Array.from({ length: 200 }, (_, i): [string, string, number, string] => ["campaign-heavy-1", "h", 403, `q${i}`]),
        ["campaign-hydra-1", "k1", 403, "r1"],
        ["campaign-hydra-1", "k2", 403, "r2"],
        ["campaign-hydra-1", "k1", 403, "r3"],
        ["campaign-mystery-1", "m", 200, "s1"],
      ]),
    );
    const targets = checkTargets(good);
    expect(targets.every((t) => t.pass)).toBe(true);
    // leakage targets only for the types; multi-key only where there are several keys
    expect(targets.map((t) => t.id)).toEqual([
      "benign-blocked",
      "benign-extraction-throttled",
      "app-batch-blocked",
      "leakage:campaign-heavy-1",
      "leakage:campaign-hydra-1",
      "keys-blocked:campaign-hydra-1",
    ]);
  });

  it("sets a leakage ceiling for every campaign shape, adaptive ones included", () => {
    const types = ["heavy", "hydra", "slow", "blend", "rotating", "paraphrase", "multiturn", "fabricated", "padding", "enduser", "swarm", "mimicry", "reasoning"];
    const m = computeMetrics(stream(types.map((type, i): [string, string, number, string] => [`campaign-${type}-1`, `k${i}`, 200, `p${i}`])));
    const limits = new Map(
      checkTargets(m)
        .filter((t) => t.id.startsWith("leakage:"))
        .map((t) => [t.id.slice("leakage:campaign-".length, -2), t]),
    );
    expect(limits.get("heavy")?.limit).toBe(0.01);
    expect(limits.get("hydra")?.limit).toBe(0.05);
    for (const type of types.slice(2)) expect(limits.get(type), type).toMatchObject({ limit: 0.2, comparison: "<=", pass: false });
    expect(limits.size).toBe(types.length);
  });

  it("counts sdkusers as people: in the benign shares, not among the never-blocked services", () => {
    const crowd = computeMetrics(
      stream([
        ["sdkuser-00001", "s1", 403, "a"],
        ["sdkuser-00002", "s2", 429, "b", "extraction"],
        ["sdkuser-00003", "s3", 200, "c"],
        ["app-01", "app", 200, "d"],
      ]),
    );
    expect(crowd.benign.byKind.sdkuser).toMatchObject({ accounts: 3, accountsBlocked: 1, accountsThrottledForExtraction: 1 });
    const byId = new Map(checkTargets(crowd).map((t) => [t.id, t]));
    expect(byId.get("benign-blocked")?.actual).toBeCloseTo(1 / 4);
    expect(byId.get("benign-extraction-throttled")?.actual).toBeCloseTo(1 / 4);
    expect(byId.get("app-batch-blocked")).toMatchObject({ actual: 0, pass: true });
  });

  it("counts refusals that came without the debug header", () => {
    const v = stream([["user-0001", "u1", 429, "a", "unknown"]]);
    delete v[0]!.action;
    const counted = computeMetrics(v);
    expect(counted.refusalsWithoutDebug).toBe(1);
    expect(counted.benign.overall.accountsThrottledForExtraction).toBe(0);
    expect(counted.benign.overall.accountsThrottled).toBe(1);
  });
});

describe("latency summary", () => {
  it("uses nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
    expect(summariseLatency([3, 1, 2])).toMatchObject({ count: 3, p50: 2, max: 3, mean: 2 });
  });
});

describe("prompt of a request", () => {
  it("takes the last user turn of every inspected format", () => {
    const chat = {
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "first" },
        { role: "assistant", content: "a" },
        { role: "user", content: [{ type: "text", text: "last" }] },
      ],
    };
    expect(lastUserTurn("/v1/chat/completions", chat)).toBe("last");
    expect(lastUserTurn("/v1/messages", { system: "s", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] })).toBe("hi");
    expect(lastUserTurn("/v1/responses", { input: "plain" })).toBe("plain");
    expect(lastUserTurn("/v1/responses", { input: [{ role: "user", content: [{ type: "input_text", text: "r" }] }] })).toBe("r");
    expect(lastUserTurn("/v1/completions", { prompt: "p" })).toBe("p");
    expect(lastUserTurn("/v1/completions", { prompt: ["x", "y"] })).toBe("y");
  });

  it("falls back to the whole body", () => {
    expect(promptText("/v1/other", { foo: 1 })).toBe('{"foo":1}');
  });
});

describe("debug header", () => {
  it("parses the documented shape and rejects anything else", () => {
    expect(parseDebugHeader('{"action":"throttle","cause":"rate","reasons":["rpm"]}')).toEqual({ action: "throttle", cause: "rate", reasons: ["rpm"] });
    expect(parseDebugHeader('{"action":"block","cause":"something-new"}')).toEqual({ action: "block", cause: "unknown", reasons: [] });
    expect(parseDebugHeader("not json")).toBeUndefined();
    expect(parseDebugHeader('{"action":"maybe"}')).toBeUndefined();
    expect(parseDebugHeader(undefined)).toBeUndefined();
  });
});

describe("replay scheduler", () => {
  const line = (index: number, t: number, key: string): IndexedLine => ({ index, t, key, path: "/", body: {}, label: "benign", actor: "user-1" });
  async function* from(lines: IndexedLine[]): AsyncGenerator<IndexedLine> {
    yield* lines;
  }

  it("keeps one request per key in flight, in file order, and respects the window", async () => {
    const lines = [line(0, 0, "a"), line(1, 10, "b"), line(2, 20, "a"), line(3, 30, "c"), line(4, 5000, "d"), line(5, 5001, "a")];
    const inflight = new Set<string>();
    const started: number[] = [];
    let maxInflight = 0;
    let violation = "";
    const done: number[] = [];
    await schedule(
      from(lines),
      async (l) => {
        if (inflight.has(l.key as string)) violation = `key ${l.key} twice in flight`;
        // Nothing may start more than the window after an unanswered line.
        const oldest = Math.min(...lines.filter((x) => !done.includes(x.index) && x.index !== l.index && started.includes(x.index)).map((x) => x.t));
        if (Number.isFinite(oldest) && l.t > oldest + 100) violation = `line ${l.index} ran ahead`;
        inflight.add(l.key as string);
        started.push(l.index);
        maxInflight = Math.max(maxInflight, inflight.size);
        await new Promise((r) => setTimeout(r, 5));
        inflight.delete(l.key as string);
        return l.index;
      },
      (_l, result) => {
        done.push(result);
      },
      { concurrency: 2, windowMs: 100, maxBuffered: 16 },
    );
    expect(violation).toBe("");
    expect(done.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxInflight).toBeLessThanOrEqual(2);
    // a's requests in order
    expect(started.filter((i) => lines[i]!.key === "a")).toEqual([0, 2, 5]);
  });
});
