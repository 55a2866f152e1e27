import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DATA_DIR, generateScenario } from "../../eval/generate/generate";
import type { Generated } from "../../eval/generate/generate";
import { PRESETS } from "../../eval/generate/presets";
import { Rng } from "../../tools/prng";
import { actorKind } from "../../eval/metrics";
import { promptText } from "../../eval/prompt";
import { parseScenarioLine } from "../../eval/scenario";

const hasData = existsSync(DEFAULT_DATA_DIR);

describe("seeded randomness", () => {
  it("repeats for a seed and differs across seeds and forks", () => {
    const a = new Rng("s");
    const b = new Rng("s");
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(new Rng("t").next()).not.toBe(xs[0]);
    expect(new Rng("s").fork("x").next()).not.toBe(new Rng("s").fork("y").next());
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

// The prompt data lives outside the repository; without it there is nothing to generate from.
describe.skipIf(!hasData)("small scenario", () => {
  let first: Generated;
  let second: Generated;
  beforeAll(() => {
    // reference: null keeps the test independent of the dev scenario file.
    first = generateScenario({ preset: PRESETS.small, seed: "test-seed", reference: null });
    second = generateScenario({ preset: PRESETS.small, seed: "test-seed", reference: null });
  });

  it("is deterministic given the seed", () => {
    const n = 500;
    expect(second.lines.slice(0, n).map((l) => JSON.stringify(l))).toEqual(first.lines.slice(0, n).map((l) => JSON.stringify(l)));
    expect(second.lines.length).toBe(first.lines.length);
    expect(second.summary).toEqual(first.summary);
    const other = generateScenario({ preset: PRESETS.small, seed: "another-seed", reference: null });
    expect(JSON.stringify(other.lines.slice(0, 50))).not.toBe(JSON.stringify(first.lines.slice(0, 50)));
  });

  it("has a few thousand valid lines in time order", () => {
    const { lines, summary } = first;
    expect(lines.length).toBeGreaterThan(1500);
    expect(lines.length).toBeLessThan(6000);
    expect(summary.requests).toBe(lines.length);
    const start = Date.parse(PRESETS.small.start);
    const end = start + PRESETS.small.days * 86_400_000;
    let previous = 0;
    const lastByKey = new Map<string, number>();
    lines.forEach((line, i) => {
      // Every line survives the eval's own parser, through JSON.
      const parsed = parseScenarioLine(JSON.stringify(line), i + 1);
      expect(parsed.t).toBeGreaterThanOrEqual(previous);
      expect(parsed.t).toBeGreaterThanOrEqual(start);
      expect(parsed.t).toBeLessThan(end);
      previous = parsed.t;
      expect(typeof parsed.key).toBe("string");
      expect(parsed.key?.length).toBeGreaterThan(10);
      expect(["/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/completions"]).toContain(parsed.path);
      expect(typeof parsed.body).toBe("object");
      expect(["benign", "extraction"]).toContain(parsed.label);
      expect(parsed.actor).toMatch(/^[a-z-]+-\d+$/);
      expect(typeof parsed.ip).toBe("string");
      expect(typeof parsed.ua).toBe("string");
      // A key's requests are strictly increasing in time: one client, one request at a time.
      const last = lastByKey.get(parsed.key as string);
      if (last !== undefined) expect(parsed.t).toBeGreaterThan(last);
      lastByKey.set(parsed.key as string, parsed.t);
    });
  });

  it("has every actor kind and campaign shape, with consistent labels", () => {
    const kinds = new Map<string, Set<string>>();
    for (const line of first.lines) {
      const kind = actorKind(line.actor);
      if (!kinds.has(kind)) kinds.set(kind, new Set());
      kinds.get(kind)?.add(line.label);
    }
    for (const kind of ["user", "power", "app", "batch"]) expect([...(kinds.get(kind) ?? [])]).toEqual(["benign"]);
    for (const type of ["heavy", "hydra", "slow", "blend", "rotating", "paraphrase", "multiturn"]) {
      expect([...(kinds.get(`campaign-${type}`) ?? [])]).toEqual(["extraction"]);
    }
  });

  it("never sends one campaign prompt twice across campaigns (cover traffic aside)", () => {
    const seen = new Map<string, string>();
    for (const line of first.lines) {
      if (line.label !== "extraction" || line.actor.startsWith("campaign-blend")) continue;
      const text = promptText(line.path, line.body);
      expect(seen.has(text), `${line.actor} repeats a prompt of ${seen.get(text)}`).toBe(false);
      seen.set(text, line.actor);
    }
  });

  it("summarises what it generated", () => {
    const { summary, lines } = first;
    const byLabel = Object.values(summary.byLabel).reduce((n, c) => n + c.requests, 0);
    expect(byLabel).toBe(lines.length);
    expect(summary.accounts).toBe(new Set(lines.map((l) => l.key)).size);
    expect(summary.campaigns.map((c) => c.type).sort()).toEqual(["blend", "heavy", "hydra", "multiturn", "paraphrase", "rotating", "slow"]);
    for (const c of summary.campaigns) expect(c.requests).toBeGreaterThan(0);
  });
});
