import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two tiers, as in Unkey: `core` is the runtime-free code on Node, `workerd` runs the Worker and its
// Durable Objects inside workerd through Miniflare. Benchmarks live in bench/ with their own runner.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "core",
          environment: "node",
          include: ["test/core/**/*.test.ts"],
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                GUARD_TEST_MODE: "true",
                GUARD_SECRET: "test-secret-not-for-production",
                ADMIN_TOKEN: "test-admin-token",
              },
            },
          }),
        ],
        test: {
          name: "workerd",
          include: ["test/worker/**/*.test.ts", "test/durable-objects/**/*.test.ts"],
        },
      },
    ],
  },
});
