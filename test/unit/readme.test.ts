import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_SPEC, configTable, policyField, POLICY_SPEC, type PolicyKey } from "../../core/config";

describe("README", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url).pathname, "utf8");

  it("carries the configuration table exactly as core/config.ts generates it", () => {
    expect(readme).toContain(configTable());
    for (const name of Object.keys(CONFIG_SPEC)) expect(readme).toContain(`\`${name}\``);
    expect(readme).toContain("`DETECTION_POLICY`");
    for (const key of Object.keys(POLICY_SPEC) as PolicyKey[]) expect(readme).toContain(`\`${policyField(key)}\``);
  });

  it("shows the commands a new user needs", () => {
    for (const cmd of ["npm ci", "npm run dev", "npm test", "wrangler deploy", "wrangler secret put"]) expect(readme).toContain(cmd);
  });
});
