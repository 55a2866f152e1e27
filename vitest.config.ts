import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { reliabilityProjects } from "./test/reliability/projects";
import { operatorProjects } from "./test/operators/projects";
import { speculativeProjects } from "./test/speculative/projects";

// Tiers, as in Unkey: `core` is the runtime-free code on Node; the `workerd*` projects run the
// Worker and its Durable Objects inside workerd through Miniflare, each with its own bindings so
// a mode (shadow, test mode off, no operator token) is tested as a deployment would set it.
// Benchmarks live in bench/ with their own runner and are not part of `npm test`.
const base = {
  GUARD_TEST_MODE: "true",
  GUARD_SECRET: "test-secret-not-for-production",
  ADMIN_TOKEN: "test-admin-token",
  RATE_LIMIT_REQUESTS: "100",
};

function workerd(name: string, include: string[], bindings: Record<string, string>) {
  return {
    plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings } })],
    test: { name, include, testTimeout: 60_000 },
  };
}

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", environment: "node", include: ["test/unit/**/*.test.ts"] } },
      workerd("workerd", ["test/worker/**/*.test.ts", "test/durable-objects/**/*.test.ts"], base),
      workerd("workerd-shadow", ["test/modes/shadow.test.ts"], { ...base, GUARD_MODE: "shadow" }),
      workerd("workerd-production", ["test/modes/production.test.ts"], { GUARD_SECRET: "prod-secret", GUARD_ENV: "production" }),
      // Issue 4 (reliability and security): fuzzing, injected faults, secrets scan; see the file.
      ...reliabilityProjects(base),
      // Issue 3 (operators): shadow-mode report, hidden API, and the dashboard in a real browser.
      ...operatorProjects(base),
      // Issue 6 (performance): SPECULATIVE_UPSTREAM against a local upstream, on and off.
      ...speculativeProjects(base),
    ],
  },
});
