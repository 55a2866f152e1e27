/**
 * The Worker refuses to start with unsafe bindings: it is started for real through the project's
 * launcher (wrangler's dev environment: the same bundling and workerd as `wrangler dev`), and
 * core/config.ts's ConfigError, thrown when worker/index.ts loads, must stop workerd from serving at all.
 */
import { describe, expect, it } from "vitest";
import { type RunningWorker, startWorker, WorkerStartError } from "../../tools/launcher";
import { testHeaders } from "../../tools/test-headers";

/** A loopback port nothing listens on: production needs an upstream, and these cases must not reach a real one. */
const UNREACHABLE = "http://127.0.0.1:9";

type Started = { error: string } | { status: number; body: string };

/** Starts the Worker with `vars` over wrangler.toml's and asks it one question, or reports why it did not start. */
async function start(vars: Record<string, string>): Promise<Started> {
  let worker: RunningWorker;
  try {
    worker = await startWorker({ config: "wrangler.toml", vars, logLevel: "none" });
  } catch (error) {
    if (error instanceof WorkerStartError) return { error: error.message };
    throw error;
  }
  try {
    // A malformed test time, which production must ignore rather than reject.
    const headers = { ...testHeaders({ key: "sk-startup" }), "x-guard-test-time": "not-a-time" };
    const served = worker.fetch("http://guard.test/v1/models", { headers }).then(async (res): Promise<Started> => ({ status: res.status, body: await res.text() }));
    return await Promise.race([worker.failure.then((error): Started => ({ error })), served]);
  } finally {
    await worker.dispose().catch(() => {});
  }
}

describe("startup with unsafe bindings", () => {
  it("refuses test mode when GUARD_ENV is production", async () => {
    const r = await start({ GUARD_ENV: "production", GUARD_SECRET: "prod-secret", GUARD_TEST_MODE: "true", UPSTREAM_URL: UNREACHABLE });
    expect("error" in r ? r.error : `served ${JSON.stringify(r)}`).toMatch(/ConfigError: GUARD_TEST_MODE must not be true when GUARD_ENV is production/);
  });

  it("refuses to run in production without GUARD_SECRET instead of using the development default", async () => {
    const r = await start({ GUARD_ENV: "production", UPSTREAM_URL: UNREACHABLE });
    expect("error" in r ? r.error : `served ${JSON.stringify(r)}`).toMatch(/ConfigError: GUARD_SECRET must be set when GUARD_ENV is production/);
  });

  it("refuses to run in production without UPSTREAM_URL instead of answering from the mock", async () => {
    const r = await start({ GUARD_ENV: "production", GUARD_SECRET: "prod-secret" });
    expect("error" in r ? r.error : `served ${JSON.stringify(r)}`).toMatch(/ConfigError: UPSTREAM_URL must be set when GUARD_ENV is production/);
  });

  it("refuses a malformed var, naming it", async () => {
    const r = await start({ FAIL_MODE: "sideways" });
    expect("error" in r ? r.error : `served ${JSON.stringify(r)}`).toMatch(/ConfigError: FAIL_MODE must be one of open, closed/);
  });

  // workerd logs the message as JSON, so its quotes may arrive escaped.
  it("refuses a detection policy with an unknown field, naming it", async () => {
    const r = await start({ DETECTION_POLICY: '{"version":2,"noveltyRatio":0.8,"novelty":0.8}' });
    expect("error" in r ? r.error : `served ${JSON.stringify(r)}`).toMatch(/ConfigError: DETECTION_POLICY has an unknown field \\*"novelty\\*"/);
  });

  // It serves: the unreachable upstream is a 502 in the API's shape (a test header honoured would be a 400).
  it("starts in production with a secret, an upstream and no test mode, and ignores test headers", async () => {
    const r = await start({ GUARD_ENV: "production", GUARD_SECRET: "prod-secret", UPSTREAM_URL: UNREACHABLE });
    expect(r).toMatchObject({ status: 502 });
    expect("body" in r ? r.body : "").toContain("upstream_error");
  });
});
