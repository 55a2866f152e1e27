/**
 * The Worker refuses to start with unsafe bindings (issue 4, item 5): it is started for real with
 * wrangler's dev environment (the same bundling and workerd as `wrangler dev`), and core/config.ts's
 * ConfigError, thrown when worker/index.ts loads, must stop workerd from serving at all.
 */
import { describe, expect, it } from "vitest";
import { unstable_DevEnv } from "wrangler";

type Started = { error: string } | { status: number; body: string };

interface DevEnvLike {
  on(event: "reloadComplete" | "error", listener: (event: unknown) => void): void;
  startWorker(options: unknown): Promise<{ fetch(url: string, init?: RequestInit): Promise<Response>; dispose(): Promise<void> }>;
  teardown?(): Promise<void>;
}

function messageOf(event: unknown): string {
  const parts: string[] = [];
  let e = event as { reason?: unknown; message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    for (const v of [e.reason, e.message]) if (typeof v === "string") parts.push(v);
    e = e.cause as typeof e;
  }
  return parts.join(" | ");
}

/** Starts the Worker with `vars` over wrangler.toml's and asks it one question, or reports why it did not start. */
async function start(vars: Record<string, string>): Promise<Started> {
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
  process.env.WRANGLER_SEND_METRICS = "false";
  const devEnv = new (unstable_DevEnv as unknown as new () => DevEnvLike)();
  const failed = new Promise<Started>((resolve) => devEnv.on("error", (event) => resolve({ error: messageOf(event) })));
  const loaded = new Promise<void>((resolve) => devEnv.on("reloadComplete", () => resolve()));
  const bindings = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, { type: "plain_text", value: v }]));
  const worker = await devEnv.startWorker({
    config: "wrangler.toml",
    bindings,
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, watch: false, persist: false, remote: false, logLevel: "none" },
  });
  try {
    const served = loaded.then(async (): Promise<Started> => {
      const res = await worker.fetch("http://guard.test/v1/models", { headers: { authorization: "Bearer sk-startup", "x-guard-test-time": "not-a-time" } });
      return { status: res.status, body: await res.text() };
    });
    return await Promise.race([failed, served]);
  } finally {
    await worker.dispose().catch(() => {});
  }
}

describe("startup with unsafe bindings", () => {
  it("refuses test mode when GUARD_ENV is production", async () => {
    const r = await start({ GUARD_ENV: "production", GUARD_SECRET: "prod-secret", GUARD_TEST_MODE: "true" });
    expect("error" in r ? r.error : `served ${JSON.stringify(r)}`).toMatch(/ConfigError: GUARD_TEST_MODE must not be true when GUARD_ENV is production/);
  });

  it("refuses to run in production without GUARD_SECRET instead of using the development default", async () => {
    const r = await start({ GUARD_ENV: "production" });
    expect("error" in r ? r.error : `served ${JSON.stringify(r)}`).toMatch(/ConfigError: GUARD_SECRET must be set when GUARD_ENV is production/);
  });

  it("refuses a malformed var, naming it", async () => {
    const r = await start({ FAIL_MODE: "sideways" });
    expect("error" in r ? r.error : `served ${JSON.stringify(r)}`).toMatch(/ConfigError: FAIL_MODE must be one of open, closed/);
  });

  // workerd logs the message as JSON, so its quotes may arrive escaped.
  it("refuses a detection policy with an unknown field, naming it", async () => {
    const r = await start({ DETECTION_POLICY: '{"version":1,"noveltyRatio":0.8,"novelty":0.8}' });
    expect("error" in r ? r.error : `served ${JSON.stringify(r)}`).toMatch(/ConfigError: DETECTION_POLICY has an unknown field \\*"novelty\\*"/);
  });

  it("starts in production with a secret and no test mode, and ignores test headers", async () => {
    const r = await start({ GUARD_ENV: "production", GUARD_SECRET: "prod-secret" });
    expect(r).toMatchObject({ status: 200 });
  });
});
