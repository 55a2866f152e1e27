import { defineConfig } from "vitest/config";

// `npm run test:system` (with the restart check and the load test): the slow tiers, on Node against
// a Worker started for real through tools/launcher.ts. `startup` starts it with unsafe bindings;
// `browser` drives the dashboard in Debian's chromium against a real `wrangler dev`, one file at a
// time, with generous timeouts since it starts wrangler and a browser; `selfhost` starts
// `npm run selfhost` (workerd alone) twice on one state directory.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "startup", environment: "node", include: ["test/system/startup.test.ts"], testTimeout: 120_000 } },
      { test: { name: "selfhost", environment: "node", include: ["test/system/selfhost.test.ts"], testTimeout: 180_000, hookTimeout: 60_000 } },
      { test: { name: "browser", environment: "node", include: ["test/system/browser/**/*.test.ts"], testTimeout: 240_000, hookTimeout: 240_000, fileParallelism: false } },
    ],
  },
});
