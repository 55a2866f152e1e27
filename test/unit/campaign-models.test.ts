import { describe, expect, it } from "vitest";
import { MAX_MODELS, type ModelUse, modelMix, modelName, modelSwitches, noteModel, SWITCH_WINDOW_MS } from "../../core/campaigns/models";
import { modelUsesShape } from "../../durable-objects/meta-shapes";

const T = 1_767_600_000_000;
const H = 3600_000;
const use = (model: string, firstSeen: number, lastSeen = firstSeen + H, requests = 10): ModelUse => ({ model, firstSeen, lastSeen, requests });

describe("model names", () => {
  it("keep printable ASCII only, trimmed and capped at 64 characters", () => {
    expect(modelName("gpt-4o-2024-08-06")).toBe("gpt-4o-2024-08-06");
    expect(modelName(" claude\u0000-x\n\u00e9 ")).toBe("claude-x");
    expect(modelName("m".repeat(300))).toHaveLength(64);
    expect(modelName("")).toBeNull();
    expect(modelName("\u0001\u0002")).toBeNull();
    expect(modelName(undefined)).toBeNull();
  });
});

describe("an account's model record", () => {
  it("counts requests per model with first and last sight", () => {
    const uses: ModelUse[] = [];
    noteModel(uses, "a", T);
    noteModel(uses, "a", T + 5);
    noteModel(uses, "b", T + 9);
    expect(uses).toEqual([
      { model: "a", firstSeen: T, lastSeen: T + 5, requests: 2 },
      { model: "b", firstSeen: T + 9, lastSeen: T + 9, requests: 1 },
    ]);
  });

  it(`keeps at most ${MAX_MODELS} models, forgetting the least recently used`, () => {
    const uses: ModelUse[] = [];
    for (let i = 0; i < MAX_MODELS; i++) noteModel(uses, `m${i}`, T + i);
    noteModel(uses, "m0", T + 100); // m0 is used again: m1 is now the least recent
    noteModel(uses, "new", T + 101);
    expect(uses).toHaveLength(MAX_MODELS);
    expect(uses.map((u) => u.model)).toContain("m0");
    expect(uses.map((u) => u.model)).not.toContain("m1");
    expect(uses.map((u) => u.model)).toContain("new");
  });

  it("is validated when read back; a row from before it existed has none", () => {
    expect(modelUsesShape([use("a", T)])).toBe(true);
    expect(modelUsesShape([{ model: "a", firstSeen: "x", lastSeen: T, requests: 1 }])).toBe(false);
    expect(modelUsesShape(undefined)).toBe(false);
  });
});

describe("a campaign's model mix and switches", () => {
  it("merges members' records per model in order of the campaign's first use", () => {
    const mix = modelMix([[use("old", T), use("new", T + 5 * H)], [use("old", T + H, T + 9 * H, 4)]]);
    expect(mix).toEqual([
      { model: "old", firstSeen: T, lastSeen: T + 9 * H, requests: 14, members: 2 },
      { model: "new", firstSeen: T + 5 * H, lastSeen: T + 6 * H, requests: 10, members: 1 },
    ]);
  });

  it("reports a switch when most members that used another model start on a new one within hours of its first use", () => {
    const release = T + 48 * H;
    const members = [
      ...Array.from({ length: 8 }, (_, i) => [use("old", T + i * H), use("new", release + i * 10 * 60_000)]),
      [use("old", T)], // stayed
      [use("old", T), use("new", release + SWITCH_WINDOW_MS + 1)], // moved, but after the window
      [use("new", release + 60_000)], // began on it: not a mover, not eligible
    ];
    const switches = modelSwitches(members);
    expect(switches).toEqual([{ model: "new", firstUse: release, movers: 8, eligible: 10, from: ["old"], withinMs: SWITCH_WINDOW_MS }]);
  });

  it("does not report gradual adoption, a minority, or fewer than three movers", () => {
    const release = T + 48 * H;
    // Ten members moving one per day: only the first is within the window.
    const gradual = Array.from({ length: 10 }, (_, i) => [use("old", T), use("new", release + i * 24 * H)]);
    expect(modelSwitches(gradual)).toEqual([]);
    // Four of ten move at once: a minority.
    const minority = Array.from({ length: 10 }, (_, i) => (i < 4 ? [use("old", T), use("new", release + i * 60_000)] : [use("old", T)]));
    expect(modelSwitches(minority)).toEqual([]);
    // Two of two move at once: too few to tell from two people upgrading.
    expect(
      modelSwitches([
        [use("old", T), use("new", release)],
        [use("old", T), use("new", release + 1)],
      ]),
    ).toEqual([]);
    // Members that only ever used one model never switch.
    expect(modelSwitches(Array.from({ length: 5 }, () => [use("only", T)]))).toEqual([]);
  });
});
