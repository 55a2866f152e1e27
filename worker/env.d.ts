// Bindings that `wrangler types` cannot see: secrets, and vars that are optional in wrangler.toml
// (every one is documented in core/config.ts and the README).
interface Env {
  GUARD_SECRET?: string;
  ADMIN_TOKEN?: string;
  UPSTREAM_URL?: string;
  GUARD_TEST_MODE?: string;
  /** JSON text, or an object when wrangler.toml gives it as a table: core/config/detection-policy.ts. */
  DETECTION_POLICY?: string | Record<string, unknown>;
  ANALYTICS?: AnalyticsEngineDataset;
}
