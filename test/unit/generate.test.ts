import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPromptData } from "../../eval/generate/data";
import { DEFAULT_DATA_DIR, generateScenario } from "../../eval/generate/generate";
import type { Generated } from "../../eval/generate/generate";
import { peoplePrompts } from "../../eval/generate/people-prompts";
import { PRESETS } from "../../eval/generate/presets";
import { Rng } from "../../tools/prng";
import { SDK_CLIENTS } from "../../eval/generate/sdk-clients";
import { actorKind } from "../../eval/metrics";
import { lastUserTurn, promptText } from "../../eval/prompt";
import { parseScenarioLine } from "../../eval/scenario";
import type { ScenarioLine } from "../../eval/scenario";

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

describe("shipped prompt data", () => {
  it("lives in the repository, is small, and holds no source that may not be shipped", () => {
    expect(relative(resolve("."), DEFAULT_DATA_DIR)).toBe(join("eval", "data"));
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    const all = files(DEFAULT_DATA_DIR);
    expect(all.reduce((n, f) => n + statSync(f).size, 0)).toBeLessThan(1.5 * 1024 * 1024);
    expect(all.map((f) => relative(DEFAULT_DATA_DIR, f)).filter((f) => /alpaca|sharegpt|instructionwild/i.test(f))).toEqual([]);
    const manifest = readFileSync(join(DEFAULT_DATA_DIR, "MANIFEST.md"), "utf8");
    for (const f of all.filter((f) => f.endsWith(".gz"))) expect(manifest).toContain(`\`${relative(DEFAULT_DATA_DIR, f)}\``);
  });

  it("loads as extraction pools, with people prompts as the benign pool", () => {
    const data = loadPromptData(DEFAULT_DATA_DIR);
    expect(data.seed.length).toBeGreaterThan(150);
    expect(data.t0.size).toBe(16);
    expect([...data.t0.values()].reduce((n, rows) => n + rows.length, 0)).toBeGreaterThan(8000);
    expect(data.alpaca).toEqual([]);
    expect(data.benignSources).toEqual(["people"]);
    expect(data.benign).toBe(data.people);
    expect(data.people.length).toBeGreaterThan(5000);
  });

  it("still reads the full data layout, plain files beside gzip ones", () => {
    const dir = mkdtempSync(join(tmpdir(), "guard-data-"));
    try {
      const row = (source: string, i: number, text: string): string => JSON.stringify({ source, id: `${source}-${i}`, group: "", turns: [text] });
      writeFileSync(join(dir, "sharegpt_1000.jsonl"), [row("sharegpt", 0, "What is a monad?"), row("sharegpt", 1, "Fix my CSS")].join("\n"));
      writeFileSync(join(dir, "alpaca_5k.jsonl"), row("alpaca", 0, "Give three tips for staying healthy."));
      mkdirSync(join(dir, "t0"));
      writeFileSync(join(dir, "t0", "glue.jsonl"), row("t0", 0, "Is this sentence grammatical? The cat sat."));
      const data = loadPromptData(dir);
      expect(data.benign.map((r) => r.text)).toEqual(["What is a monad?", "Fix my CSS"]);
      expect(data.benignSources).toEqual(["sharegpt_1000.jsonl"]);
      expect(data.alpaca).toHaveLength(1);
      expect(data.t0.get("glue")).toHaveLength(1);
      expect(data.people.length).toBeGreaterThan(5000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("people prompts", () => {
  it("are thousands of distinct everyday questions", () => {
    const texts = peoplePrompts(new Rng("people-test"), 6000);
    expect(new Set(texts).size).toBe(6000);
    const firstWords = new Set(texts.map((t) => t.split(/\s+/).slice(0, 2).join(" ").toLowerCase()));
    expect(firstWords.size).toBeGreaterThan(150);
    for (const t of texts.slice(0, 500)) {
      expect(t).not.toMatch(/\{|\}| {2}| [?.,!]/);
      expect(t.length).toBeLessThan(300);
    }
  });
});

describe("small scenario", () => {
  let first: Generated;
  let second: Generated;
  beforeAll(() => {
    // reference: null keeps the test independent of the dev scenario file.
    first = generateScenario({ preset: PRESETS.small!, seed: "test-seed", reference: null });
    second = generateScenario({ preset: PRESETS.small!, seed: "test-seed", reference: null });
  });

  it("is deterministic given the seed", () => {
    const n = 500;
    expect(second.lines.slice(0, n).map((l) => JSON.stringify(l))).toEqual(first.lines.slice(0, n).map((l) => JSON.stringify(l)));
    expect(second.lines.length).toBe(first.lines.length);
    expect(second.summary).toEqual(first.summary);
    const other = generateScenario({ preset: PRESETS.small!, seed: "another-seed", reference: null });
    expect(JSON.stringify(other.lines.slice(0, 50))).not.toBe(JSON.stringify(first.lines.slice(0, 50)));
  });

  it("has a few thousand valid lines in time order", () => {
    const { lines, summary } = first;
    expect(lines.length).toBeGreaterThan(1500);
    expect(lines.length).toBeLessThan(6000);
    expect(summary.requests).toBe(lines.length);
    const start = Date.parse(PRESETS.small!.start);
    const end = start + PRESETS.small!.days * 86_400_000;
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

/** The user turns of a request, in order, for the formats the generator writes. */
function userTurns(line: ScenarioLine): string[] {
  const body = line.body as { messages?: Array<{ role: string; content: unknown }>; input?: unknown };
  const text = (c: unknown): string => (typeof c === "string" ? c : Array.isArray(c) ? c.map((p: { text?: string }) => p.text ?? "").join("") : "");
  if (Array.isArray(body.messages)) return body.messages.filter((m) => m.role === "user").map((m) => text(m.content));
  if (Array.isArray(body.input)) return (body.input as Array<{ role: string; content: unknown }>).filter((m) => m.role === "user").map((m) => text(m.content));
  return [promptText(line.path, line.body)];
}

function byActor(lines: readonly ScenarioLine[]): Map<string, ScenarioLine[]> {
  const out = new Map<string, ScenarioLine[]>();
  for (const line of lines) out.set(line.actor, [...(out.get(line.actor) ?? []), line]);
  return out;
}

function byKey(lines: readonly ScenarioLine[]): Map<string, ScenarioLine[]> {
  const out = new Map<string, ScenarioLine[]>();
  for (const line of lines) out.set(line.key as string, [...(out.get(line.key as string) ?? []), line]);
  return out;
}

describe("adaptive-small scenario", () => {
  let g: Generated;
  let actors: Map<string, ScenarioLine[]>;
  beforeAll(() => {
    g = generateScenario({ preset: PRESETS["adaptive-small"]!, reference: null });
    actors = byActor(g.lines);
  });
  const campaign = (type: string): ScenarioLine[] => actors.get(`campaign-${type}-1`) ?? [];

  it("has every adaptive shape, labelled as extraction, in a few thousand valid lines", () => {
    expect(g.lines.length).toBeGreaterThan(1500);
    expect(g.lines.length).toBeLessThan(5000);
    g.lines.forEach((line, i) => {
      parseScenarioLine(JSON.stringify(line), i + 1);
    });
    expect(g.summary.campaigns.map((c) => c.type).sort()).toEqual(["blend", "enduser", "fabricated", "mimicry", "padding", "reasoning", "swarm"]);
    for (const c of g.summary.campaigns) expect(c.requests, c.id).toBeGreaterThan(0);
    for (const type of ["fabricated", "padding", "enduser", "swarm", "mimicry", "reasoning"]) {
      expect(new Set(campaign(type).map((l) => l.label))).toEqual(new Set(["extraction"]));
    }
    expect(new Set(actors.get("sdkuser-00001")?.map((l) => l.label))).toEqual(new Set(["benign"]));
  });

  it("sends no harvesting parameters beyond what SDKs send by default", () => {
    for (const type of ["fabricated", "padding", "enduser", "swarm", "mimicry", "reasoning"]) {
      for (const line of campaign(type)) {
        const body = line.body as Record<string, unknown>;
        expect(body.logprobs, type).toBeUndefined();
        expect(body.n, type).toBeUndefined();
        const max = (body.max_tokens ?? body.max_output_tokens) as number | undefined;
        if (max !== undefined) expect([1024, 4096, 8192, 16384, 32000, 32768, 64000]).toContain(max);
      }
    }
  });

  it("fabricated: every request carries 1-3 earlier exchanges, the dataset prompt last", () => {
    const lines = campaign("fabricated");
    expect(lines.length).toBeGreaterThan(30);
    for (const line of lines) {
      const turns = userTurns(line);
      expect(turns.length).toBeGreaterThanOrEqual(2);
      expect(turns.length).toBeLessThanOrEqual(4);
      expect(lastUserTurn(line.path, line.body)).toBe(turns[turns.length - 1]);
    }
    expect(new Set(lines.map((l) => userTurns(l)[0])).size).toBeGreaterThan(lines.length * 0.7);
  });

  it("padding: each key repeats its own prompts on about a fifth to a third of requests, single-shot", () => {
    for (const [, lines] of byKey(campaign("padding"))) {
      const prompts = lines.map((l) => promptText(l.path, l.body));
      const repeats = 1 - new Set(prompts).size / prompts.length;
      expect(repeats).toBeGreaterThan(0.12);
      expect(repeats).toBeLessThan(0.36);
      expect(new Set(prompts).size / prompts.length).toBeLessThan(0.85);
      for (const l of lines) expect(userTurns(l)).toHaveLength(1);
    }
  });

  it("enduser: an end-user id from a large pool on every request", () => {
    const lines = campaign("enduser");
    const ids = lines.map((l) => {
      const b = l.body as { user?: string; safety_identifier?: string; metadata?: { user_id?: string } };
      return b.user ?? b.safety_identifier ?? b.metadata?.user_id;
    });
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBeGreaterThan(lines.length * 0.8);
    expect(byKey(lines).size).toBeLessThanOrEqual(3);
  });

  it("swarm: many keys under MIN_REQUESTS, each with its own address, on the common client stacks", () => {
    const keys = byKey(campaign("swarm"));
    expect(keys.size).toBeGreaterThanOrEqual(30);
    const homes = new Set<string>();
    for (const [, lines] of keys) {
      expect(lines.length).toBeLessThan(13);
      expect(new Set(lines.map((l) => `${l.ip}|${l.ua}|${l.ja4}`)).size).toBe(1);
      homes.add(lines[0]!.ip as string);
    }
    expect(homes.size).toBe(keys.size);
    const stacks = new Set([...keys.values()].map((lines) => lines[0]!.ua));
    expect(stacks.size).toBeGreaterThan(8);
    // The same released versions the crowd of SDK users runs, so a stack names nobody.
    const released = new Set(SDK_CLIENTS.flatMap((c) => c.versions.map(([ua]) => `${ua}|${c.ja4}`)));
    for (const [, lines] of keys) expect(released.has(`${lines[0]!.ua}|${lines[0]!.ja4}`), lines[0]!.ua).toBe(true);
    const first = [...keys.values()].map((lines) => lines[0]!.t).sort((a, b) => a - b);
    expect(first[first.length - 1]! - first[0]!).toBeGreaterThan(86_400_000);
  });

  it("mimicry: dataset prompts about half the time, the rest people's chat, in one time zone's day", () => {
    const lines = campaign("mimicry");
    const info = g.summary.campaigns.find((c) => c.type === "mimicry");
    const share = (info?.campaignPrompts ?? 0) / lines.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
    expect(lines.some((l) => userTurns(l).length > 1)).toBe(true);
    // Local hours of one region: the campaign is quiet for a stretch of every day (UTC).
    const hours = new Set(lines.map((l) => new Date(l.t).getUTCHours()));
    expect(hours.size).toBeLessThan(22);
  });

  it("reasoning: wrappers rotate through at least 20 wordings, some of them grading rubrics", () => {
    const texts = campaign("reasoning").map((l) => promptText(l.path, l.body));
    const cot = texts.filter((t) => /step/i.test(t) && !/1-10|1 to 10|out of 10/.test(t));
    const rubric = texts.filter((t) => /1-10|1 to 10|out of 10/.test(t));
    expect(rubric.length).toBeGreaterThan(texts.length * 0.1);
    const wordings = new Set(cot.map((t) => t.split("\n\n").find((part) => /step/i.test(part) && part.length < 200)));
    expect(wordings.size).toBeGreaterThanOrEqual(20);
  });

  it("never shares a dataset prompt between campaigns", () => {
    const owner = new Map<string, string>();
    for (const line of g.lines) {
      if (line.label !== "extraction" || /campaign-(blend|mimicry)/.test(line.actor)) continue;
      const text = promptText(line.path, line.body);
      const seen = owner.get(text);
      expect(seen === undefined || seen === line.actor, `${line.actor} sends a prompt of ${seen}`).toBe(true);
      owner.set(text, line.actor);
    }
  });
});

describe("crowd of SDK users", () => {
  let g: Generated;
  beforeAll(() => {
    g = generateScenario({ preset: PRESETS.crowd!, reference: null, scale: 0.1, days: 3 });
  });

  it("is benign only: sdkusers on a dozen shared client stacks and a few apps", () => {
    const kinds = new Set(g.lines.map((l) => actorKind(l.actor)));
    expect([...kinds].sort()).toEqual(["app", "sdkuser"]);
    expect(new Set(g.lines.map((l) => l.label))).toEqual(new Set(["benign"]));
    const users = byActor(g.lines.filter((l) => l.actor.startsWith("sdkuser-")));
    expect(users.size).toBeGreaterThan(150);
    const stacks = new Set([...users.values()].map((lines) => `${lines[0]!.ua}|${lines[0]!.ja4}`));
    expect(stacks.size).toBeGreaterThanOrEqual(12);
    expect(stacks.size).toBeLessThan(users.size / 4);
    for (const [, lines] of users) {
      expect(lines.length).toBeLessThanOrEqual(70);
      expect(new Set(lines.map((l) => l.key)).size).toBe(1);
    }
  });

  it("asks mostly single-shot, varied questions with SDK-default parameters", () => {
    const lines = g.lines.filter((l) => l.actor.startsWith("sdkuser-"));
    const single = lines.filter((l) => userTurns(l).length === 1).length / lines.length;
    expect(single).toBeGreaterThan(0.7);
    expect(single).toBeLessThan(0.97);
    expect(new Set(lines.map((l) => promptText(l.path, l.body))).size).toBeGreaterThan(lines.length * 0.5);
    const anthropicMax = lines.filter((l) => l.path === "/v1/messages").map((l) => (l.body as { max_tokens: number }).max_tokens);
    expect(anthropicMax).toContain(64000);
    for (const l of lines) expect((l.body as { logprobs?: unknown }).logprobs).toBeUndefined();
  });
});
