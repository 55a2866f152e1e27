import { describe, expect, it } from "vitest";
import { CONFIG_SPEC, ConfigError, configTable, parseConfig, policyField, policyJson, POLICY_SPEC } from "../../core/config";

describe("config", () => {
  it("gives every binding and every policy field its documented default", () => {
    const c = parseConfig({});
    for (const [name, spec] of Object.entries(CONFIG_SPEC)) expect(c[name as keyof typeof c]).toBe(spec.default);
    for (const [name, spec] of Object.entries(POLICY_SPEC)) expect(c[name as keyof typeof c]).toBe(spec.default);
    expect(c.GUARD_MODE).toBe("enforce");
    expect(c.GUARD_TEST_MODE).toBe(false);
    expect(c.NOVELTY_RATIO).toBe(0.85);
  });

  it("parses typed values from strings, as wrangler vars arrive", () => {
    const c = parseConfig({ RATE_LIMIT_REQUESTS: "50", GUARD_TEST_MODE: "true", GUARD_MODE: "shadow", BLOCK_S: "0" });
    expect(c.RATE_LIMIT_REQUESTS).toBe(50);
    expect(c.GUARD_TEST_MODE).toBe(true);
    expect(c.GUARD_MODE).toBe("shadow");
    expect(c.BLOCK_S).toBe(0);
  });
});

describe("DETECTION_POLICY", () => {
  it("is all defaults when unset, empty or only versioned", () => {
    const defaults = parseConfig({});
    for (const raw of [undefined, "", "  ", '{"version":2}', { version: 2 }]) expect(parseConfig({ DETECTION_POLICY: raw })).toEqual(defaults);
  });

  it("sets the fields it names and keeps the others at their defaults", () => {
    const c = parseConfig({ DETECTION_POLICY: '{"version":2,"noveltyRatio":0.7,"minRequests":30,"fpNewAccountsPerHour":2.5}' });
    expect(c.NOVELTY_RATIO).toBe(0.7);
    expect(c.MIN_REQUESTS).toBe(30);
    expect(c.FP_NEW_ACCOUNTS_PER_HOUR).toBe(2.5);
    expect(c.SINGLE_SHOT_RATIO).toBe(POLICY_SPEC.SINGLE_SHOT_RATIO.default);
    expect(c.THROTTLE_SCORE).toBe(POLICY_SPEC.THROTTLE_SCORE.default);
  });

  it("accepts a wrangler.toml table, which arrives as an object", () => {
    expect(parseConfig({ DETECTION_POLICY: { version: 2, throttleScore: 1.5, blockScore: 3 } })).toMatchObject({ THROTTLE_SCORE: 1.5, BLOCK_SCORE: 3 });
  });

  it("reaches every threshold by its camelCase name", () => {
    for (const [key, spec] of Object.entries(POLICY_SPEC)) {
      const v = spec.max !== undefined && spec.max <= 1 ? 0.5 : spec.default + 1;
      const c = parseConfig({ DETECTION_POLICY: policyJson({ [policyField(key as keyof typeof POLICY_SPEC)]: v, ...(key === "THROTTLE_SCORE" ? { blockScore: v } : {}) }) });
      expect(c[key as keyof typeof c], key).toBe(v);
    }
  });

  it.each([
    ["not JSON", "{version:1}", /DETECTION_POLICY must be a JSON object.*invalid JSON/],
    ["not an object", "[1]", /DETECTION_POLICY must be a JSON object.*got \[1\]/],
    ["a bare number", "0.85", /DETECTION_POLICY must be a JSON object/],
    ["no version", '{"noveltyRatio":0.8}', /DETECTION_POLICY\.version must be 2, got nothing/],
    ["another version (a preset written for the first policy)", '{"version":1}', /DETECTION_POLICY\.version must be 2, got 1/],
    ["a version as a string", '{"version":"2"}', /DETECTION_POLICY\.version must be 2, got "2"/],
    ["an unknown field", '{"version":2,"novelty":0.8}', /DETECTION_POLICY has an unknown field "novelty"; its fields are version, throttleScore/],
    ["a var-style field name", '{"version":2,"NOVELTY_RATIO":0.8}', /unknown field "NOVELTY_RATIO"/],
    ["a number as a string", '{"version":2,"noveltyRatio":"0.8"}', /DETECTION_POLICY\.noveltyRatio must be a number, got "0\.8"/],
    ["null", '{"version":2,"minRequests":null}', /DETECTION_POLICY\.minRequests must be an integer, got null/],
    ["a fraction where an integer belongs", '{"version":2,"minRequests":1.5}', /DETECTION_POLICY\.minRequests must be an integer, got 1\.5/],
    ["a ratio above 1", '{"version":2,"noveltyRatio":2}', /DETECTION_POLICY\.noveltyRatio must be between 0 and 1, got 2/],
    ["a negative score", '{"version":2,"throttleScore":-1}', /DETECTION_POLICY\.throttleScore must be between 0 and/],
    ["a single-account fingerprint", '{"version":2,"fpMinAccounts":1}', /DETECTION_POLICY\.fpMinAccounts must be between 2 and/],
    ["a block below the throttle", '{"version":2,"throttleScore":3}', /DETECTION_POLICY\.blockScore must not be below throttleScore/],
  ])("refuses %s with an error naming the field", (_what, raw, message) => {
    expect(() => parseConfig({ DETECTION_POLICY: raw })).toThrow(ConfigError);
    expect(() => parseConfig({ DETECTION_POLICY: raw })).toThrow(message);
  });

  it("refuses a threshold set the old way, as its own var, naming the field to use", () => {
    for (const key of Object.keys(POLICY_SPEC)) {
      expect(() => parseConfig({ [key]: "1" }), key).toThrow(ConfigError);
      expect(() => parseConfig({ [key]: "1" }), key).toThrow(`${key} is no longer a var of its own: set the field "${policyField(key as keyof typeof POLICY_SPEC)}" of DETECTION_POLICY`);
    }
  });
});

describe("config errors", () => {
  it.each([
    [{ RATE_LIMIT_REQUESTS: "lots" }, /RATE_LIMIT_REQUESTS/],
    [{ RATE_LIMIT_REQUESTS: "1.5" }, /integer/],
    [{ GUARD_MODE: "loud" }, /GUARD_MODE/],
    [{ GUARD_TEST_MODE: "yes" }, /GUARD_TEST_MODE/],
    [{ UPSTREAM_URL: "ftp://x" }, /UPSTREAM_URL/],
    [{ GUARD_ENV: "production" }, /GUARD_SECRET/],
    [{ GUARD_ENV: "production", GUARD_SECRET: "s", GUARD_TEST_MODE: "true", UPSTREAM_URL: "https://up.test" }, /GUARD_TEST_MODE/],
    [{ GUARD_ENV: "production", GUARD_SECRET: "s" }, /UPSTREAM_URL must be set when GUARD_ENV is production/],
    [{ DETECTION_POLICY: '{"version":2,"throttleScore":3,"blockScore":2}' }, /blockScore/],
  ])("rejects %j with an error naming the binding", (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  it("documents every binding and every policy field in the README tables", () => {
    const table = configTable();
    for (const name of Object.keys(CONFIG_SPEC)) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toContain("| `DETECTION_POLICY` |");
    for (const key of Object.keys(POLICY_SPEC)) expect(table).toContain(`| \`${policyField(key as keyof typeof POLICY_SPEC)}\` |`);
  });
});
