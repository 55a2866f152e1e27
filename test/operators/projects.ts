/**
 * Vitest projects of the operator features (issue 3): the shadow-mode report and the hidden API run
 * in workerd with their own bindings; `e2e` drives the dashboard in Debian's chromium against a real
 * `wrangler dev` (slow: it starts wrangler and a browser, so its timeouts are generous).
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";

function workerd(name: string, include: string[], bindings: Record<string, string>) {
  return {
    plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings } })],
    test: { name, include, testTimeout: 60_000 },
  };
}

export function operatorProjects(base: Record<string, string>) {
  return [
    workerd("workerd-operators-shadow", ["test/operators/shadow.test.ts"], { ...base, GUARD_MODE: "shadow" }),
    workerd("workerd-operators-no-token", ["test/operators/no-token.test.ts"], { GUARD_TEST_MODE: "true" }),
    { test: { name: "e2e", environment: "node", include: ["test/e2e/**/*.test.ts"], testTimeout: 240_000, hookTimeout: 240_000, fileParallelism: false } },
  ];
}
