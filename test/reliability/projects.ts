/**
 * vitest projects of issue 4 (reliability and security), kept apart from vitest.config.ts so the
 * shared file only spreads them in. Each runs the Worker in workerd with the bindings a deployment
 * of that kind would have.
 */
import { resolve } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";

type Bindings = Record<string, string>;

/** The fault projects bind the guard objects to test-only classes that fail on demand (test/faults/entry.ts). */
const FAULTY_OBJECTS = {
  ACCOUNT_GUARD: { className: "FaultyAccountGuard", useSQLite: true },
  FINGERPRINT_GUARD: { className: "FaultyFingerprintGuard", useSQLite: true },
};

function faultProject(name: string, include: string[], bindings: Bindings, upstream: "server" | "closed") {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: resolve("test/faults/entry.ts"),
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { ...bindings, UPSTREAM_URL: `http://127.0.0.1:${upstream === "server" ? inject("upstreamPort") : inject("closedPort")}` },
          durableObjects: FAULTY_OBJECTS,
        },
      })),
    ],
    test: { name, include, globalSetup: ["./test/faults/upstream-server.ts"], testTimeout: 60_000 },
  };
}

function workerd(name: string, include: string[], bindings: Bindings) {
  return {
    plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings } })],
    test: { name, include, testTimeout: 60_000 },
  };
}

export function reliabilityProjects(base: Bindings) {
  const faults = { ...base, STATE_TIMEOUT_MS: "200", UPSTREAM_TIMEOUT_MS: "1000" };
  return [
    // Limits and verdicts out of the way, so generated bodies reach the parsers and the mock upstream.
    workerd("workerd-fuzz", ["test/reliability/fuzz.test.ts"], { ...base, RATE_LIMIT_REQUESTS: "100000000", TOKEN_LIMIT: "100000000000", DETECTION_POLICY: JSON.stringify({ version: 1, throttleScore: 1_000_000, blockScore: 1_000_000 }) }),
    faultProject("workerd-faults-closed", ["test/faults/state.test.ts", "test/faults/upstream.test.ts"], { ...faults, FAIL_MODE: "closed", FAIL_MODE_OTHER: "open" }, "server"),
    faultProject("workerd-faults-open", ["test/faults/state.test.ts"], { ...faults, FAIL_MODE: "open", FAIL_MODE_OTHER: "closed" }, "server"),
    faultProject("workerd-upstream-refused", ["test/faults/upstream-refused.test.ts"], faults, "closed"),
    // Test mode simply not set (development, with an operator token): test headers must be ignored.
    workerd("workerd-test-mode-off", ["test/modes/test-mode-off.test.ts"], { GUARD_SECRET: base.GUARD_SECRET, ADMIN_TOKEN: base.ADMIN_TOKEN }),
    // Its own namespace of objects, so the storage scan reads exactly what its traffic wrote.
    workerd("workerd-secrets", ["test/reliability/secrets-scan.test.ts"], base),
    // Node: starts the real Worker with unsafe bindings through wrangler's dev environment.
    { test: { name: "startup", environment: "node", include: ["test/startup/**/*.test.ts"], testTimeout: 120_000 } },
  ];
}
