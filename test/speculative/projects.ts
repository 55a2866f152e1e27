/**
 * vitest projects of SPECULATIVE_UPSTREAM (issue 6): the guard forwarding to a local upstream, with
 * speculation on and off. Kept apart from vitest.config.ts so the shared file only spreads them in.
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";

type Bindings = Record<string, string>;

function project(name: string, bindings: Bindings) {
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

export function speculativeProjects(base: Bindings) {
  // two requests per period, so the third is refused
  const limited = { ...base, RATE_LIMIT_REQUESTS: "2", RATE_LIMIT_PERIOD_S: "3600" };
  return [project("workerd-speculative-on", { ...limited, SPECULATIVE_UPSTREAM: "true" }), project("workerd-speculative-off", { ...limited, SPECULATIVE_UPSTREAM: "false" })];
}
