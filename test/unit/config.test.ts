import { describe, expect, it } from "vitest";
import { CONFIG_SPEC, ConfigError, configTable, parseConfig } from "../../core/config";

describe("config", () => {
  it("gives every binding its documented default", () => {
    const c = parseConfig({});
    for (const [name, spec] of Object.entries(CONFIG_SPEC)) expect(c[name as keyof typeof c]).toBe(spec.default);
    expect(c.GUARD_MODE).toBe("enforce");
    expect(c.GUARD_TEST_MODE).toBe(false);
  });

  it("parses typed values from strings, as wrangler vars arrive", () => {
    const c = parseConfig({ RATE_LIMIT_REQUESTS: "50", GUARD_TEST_MODE: "true", GUARD_MODE: "shadow", NOVELTY_RATIO: "0.7" });
    expect(c.RATE_LIMIT_REQUESTS).toBe(50);
    expect(c.GUARD_TEST_MODE).toBe(true);
    expect(c.GUARD_MODE).toBe("shadow");
    expect(c.NOVELTY_RATIO).toBe(0.7);
  });

  it.each([
    [{ RATE_LIMIT_REQUESTS: "lots" }, /RATE_LIMIT_REQUESTS/],
    [{ RATE_LIMIT_REQUESTS: "1.5" }, /integer/],
    [{ NOVELTY_RATIO: "2" }, /NOVELTY_RATIO/],
    [{ GUARD_MODE: "loud" }, /GUARD_MODE/],
    [{ GUARD_TEST_MODE: "yes" }, /GUARD_TEST_MODE/],
    [{ UPSTREAM_URL: "ftp://x" }, /UPSTREAM_URL/],
    [{ GUARD_ENV: "production" }, /GUARD_SECRET/],
    [{ GUARD_ENV: "production", GUARD_SECRET: "s", GUARD_TEST_MODE: "true" }, /GUARD_TEST_MODE/],
    [{ THROTTLE_SCORE: "3", BLOCK_SCORE: "2" }, /BLOCK_SCORE/],
  ])("rejects %j with an error naming the binding", (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  it("documents every binding in the README table", () => {
    const table = configTable();
    for (const name of Object.keys(CONFIG_SPEC)) expect(table).toContain(`\`${name}\``);
  });
});
