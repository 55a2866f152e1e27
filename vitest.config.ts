import { generateKeyPairSync } from "node:crypto";
import { resolve } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { CUSTOM_POLICY } from "./test/policy/preset";

// `npm test`: the fast tiers. `unit` is the runtime-free code (and the eval tool's pure parts) on
// Node; the `workerd*` projects run the Worker and its Durable Objects inside workerd through
// Miniflare, each with its own bindings, so a mode (shadow, test mode off, no operator token, a
// fail mode) is tested as a deployment would set it. The slow system tiers (a real `wrangler dev`,
// a browser) are in vitest.system.config.ts; benchmarks are in bench/ with their own runner.
type Bindings = Record<string, string>;

const base = {
  GUARD_TEST_MODE: "true",
  GUARD_SECRET: "test-secret-not-for-production",
  ADMIN_TOKEN: "test-admin-token",
  RATE_LIMIT_REQUESTS: "100",
  // Flush alarms fire only when a test runs them (runDurableObjectAlarm): with the default second of
  // wall clock, a loaded machine let them fire on their own and tests measured its speed.
  FLUSH_INTERVAL_MS: "600000",
} satisfies Bindings;

function workerd(name: string, include: string[], bindings: Bindings) {
  return {
    plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings } })],
    test: { name, include, testTimeout: 60_000 },
  };
}

/** The guard objects bound to test-only classes that fail on demand (test/faults/entry.ts), and a local upstream. */
function workerdFaults(name: string, include: string[], bindings: Bindings, upstream: "server" | "closed") {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: resolve("test/faults/entry.ts"),
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { ...bindings, UPSTREAM_URL: `http://127.0.0.1:${upstream === "server" ? inject("upstreamPort") : inject("closedPort")}` },
          durableObjects: {
            ACCOUNT_GUARD: { className: "FaultyAccountGuard", useSQLite: true },
            FINGERPRINT_GUARD: { className: "FaultyFingerprintGuard", useSQLite: true },
          },
        },
      })),
    ],
    test: { name, include, globalSetup: ["./test/faults/upstream-server.ts"], testTimeout: 60_000 },
  };
}

/** SPECULATIVE_UPSTREAM on or off, forwarding to a local upstream. */
function workerdSpeculative(name: string, bindings: Bindings) {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: { ...bindings, UPSTREAM_URL: `http://127.0.0.1:${inject("speculativeUpstreamPort")}` } },
      })),
    ],
    test: { name, include: ["test/speculative/speculative.test.ts"], globalSetup: ["./test/speculative/upstream-server.ts"], testTimeout: 60_000 },
  };
}

const faults = { ...base, STATE_TIMEOUT_MS: "200", UPSTREAM_TIMEOUT_MS: "1000" };
// two requests per period, so the third is refused
const limited = { ...base, RATE_LIMIT_REQUESTS: "2", RATE_LIMIT_PERIOD_S: "3600" };

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", environment: "node", include: ["test/unit/**/*.test.ts"] } },
      workerd("workerd", ["test/worker/**/*.test.ts", "test/durable-objects/**/*.test.ts"], base),
      workerd("workerd-shadow", ["test/modes/shadow.test.ts"], { ...base, GUARD_MODE: "shadow" }),
      // Production requires an upstream: a loopback port nothing listens on, so no answer can come from the mock.
      workerd("workerd-production", ["test/modes/production.test.ts"], { GUARD_SECRET: "prod-secret", GUARD_ENV: "production", UPSTREAM_URL: "http://127.0.0.1:9" }),
      // A custom DETECTION_POLICY, set as `--var` would set it, reaches the Worker and its objects.
      workerd("workerd-policy", ["test/policy/**/*.test.ts"], { ...base, DETECTION_POLICY: JSON.stringify(CUSTOM_POLICY) }),
      // Test mode simply not set (development, with an operator token): test headers must be ignored.
      workerd("workerd-test-mode-off", ["test/modes/test-mode-off.test.ts"], { GUARD_SECRET: base.GUARD_SECRET, ADMIN_TOKEN: base.ADMIN_TOKEN }),
      // Property-based fuzzing, limits and verdicts out of the way so generated bodies reach the parsers and the mock upstream.
      workerd("workerd-fuzz", ["test/fuzz/**/*.test.ts"], {
        ...base,
        RATE_LIMIT_REQUESTS: "100000000",
        TOKEN_LIMIT: "100000000000",
        DETECTION_POLICY: JSON.stringify({ version: 2, throttleScore: 1_000_000, blockScore: 1_000_000 }),
      }),
      // Its own namespace of objects, so the storage scan reads exactly what its traffic wrote.
      workerd("workerd-secrets-scan", ["test/security/secrets-scan.test.ts"], base),
      // Injected faults in the Durable Objects and the upstream, under each fail mode.
      workerdFaults("workerd-faults-closed", ["test/faults/state.test.ts", "test/faults/upstream.test.ts"], { ...faults, FAIL_MODE: "closed", FAIL_MODE_OTHER: "open" }, "server"),
      workerdFaults("workerd-faults-open", ["test/faults/state.test.ts"], { ...faults, FAIL_MODE: "open", FAIL_MODE_OTHER: "closed" }, "server"),
      workerdFaults("workerd-upstream-refused", ["test/faults/upstream-refused.test.ts"], faults, "closed"),
      // The operator views: the shadow-mode report, and the hidden API without an operator token.
      workerd("workerd-shadow-report", ["test/operators/shadow-report.test.ts"], { ...base, GUARD_MODE: "shadow" }),
      workerd("workerd-no-operator-token", ["test/operators/no-token.test.ts"], { GUARD_TEST_MODE: "true" }),
      // Campaigns, their STIX export and signed evidence reports, with a signing key made for this run (none is committed).
      workerd("workerd-campaigns", ["test/operators/campaigns.test.ts"], {
        ...base,
        EVIDENCE_SIGNING_KEY: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      }),
      // Small token and request quotas with end-user shares, so long answers and one app's end users reach them quickly.
      workerd("workerd-tokens", ["test/tokens/**/*.test.ts"], {
        ...base,
        TOKEN_LIMIT: "20000",
        TOKEN_LIMIT_PERIOD_S: "3600",
        RATE_LIMIT_REQUESTS: "60",
        RATE_LIMIT_PERIOD_S: "3600",
        END_USER_REQUEST_SHARE: "0.5",
        END_USER_TOKEN_SHARE: "0.25",
      }),
      workerdSpeculative("workerd-speculative-on", { ...limited, SPECULATIVE_UPSTREAM: "true" }),
      workerdSpeculative("workerd-speculative-off", { ...limited, SPECULATIVE_UPSTREAM: "false" }),
    ],
  },
});
