/**
 * Runs the real guard (Worker + Durable Objects) in workerd through wrangler's programmatic API, with
 * the same bundling and bindings as `wrangler dev`, offline and without persistence.
 */
import { readFileSync, readdirSync } from "node:fs";
import { proc } from "./env";
import type { Endpoint } from "./http";
import type { DevEnv, ProxyData } from "./wrangler-dev";

export interface GuardOptions {
  /** wrangler config file */
  config: string;
  /** extra vars (`--var KEY=VALUE`), applied over wrangler.toml's */
  vars: Record<string, string>;
  secret: string;
  adminToken: string;
  /** a directory to persist Durable Object state in; false keeps it in memory */
  persist: string | false;
  /** go through wrangler's proxy worker instead of straight to the user worker */
  viaProxy: boolean;
  verbose: boolean;
}

export interface RunningGuard {
  endpoint: Endpoint;
  /** "direct": straight to Miniflare's entry; "proxy": through wrangler dev's proxy worker */
  route: "direct" | "proxy";
  dispose(): Promise<void>;
}


/** Bundling and starting takes a few seconds; a build error is only printed, so give up after this. */
const STARTUP_TIMEOUT_MS = 30_000;

export class GuardStartError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

export async function startGuard(options: GuardOptions): Promise<RunningGuard> {
  // Offline: Miniflare would otherwise download the `request.cf` placeholder and wrangler send metrics.
  proc.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  proc.env.WRANGLER_SEND_METRICS ??= "false";
  // Per-request access logs would cost more than the replay itself.
  proc.env.WRANGLER_LOG ??= options.verbose ? "log" : "warn";

  const wrangler = (await import("wrangler")) as unknown as { unstable_DevEnv: new () => DevEnv };
  const devEnv = new wrangler.unstable_DevEnv();
  // wrangler dev fronts the Worker with a proxy worker (a Durable Object that queues every request
  // across reloads); the replay never reloads, so it talks to Miniflare's entry directly, which halves
  // workerd's CPU per request. The entry trusts MF-Original-URL only with the proxy's shared secret.
  const proxyData = new Promise<ProxyData>((resolve) => devEnv.on("reloadComplete", (event) => resolve(event.proxyData ?? {})));
  // A build error is printed by wrangler, and its proxy worker would then hold requests forever.
  const failed = new Promise<string>((resolve) =>
    devEnv.on("error", (event) => {
      const e = event as { reason?: string; cause?: { message?: string }; message?: string };
      resolve(e.reason ?? e.message ?? e.cause?.message ?? "unknown error");
    }),
  );

  const bindings: Record<string, { type: "plain_text" | "secret_text"; value: string }> = {
    GUARD_TEST_MODE: { type: "plain_text", value: "true" },
    GUARD_SECRET: { type: "secret_text", value: options.secret },
    ADMIN_TOKEN: { type: "secret_text", value: options.adminToken },
  };
  for (const [name, value] of Object.entries(options.vars)) bindings[name] = { type: "plain_text", value };

  const worker = await devEnv.startWorker({
    config: options.config,
    bindings,
    dev: {
      persist: options.persist,
      server: { hostname: "127.0.0.1", port: 0 },
      inspector: false,
      watch: false,
      remote: false,
      logLevel: options.verbose ? "log" : "warn",
    },
  });
  await worker.ready;
  const proxyUrl = await worker.url;
  const proxyEndpoint: Endpoint = { host: proxyUrl.hostname, port: Number(proxyUrl.port), headers: () => ({}) };

  const loaded = await withTimeout(
    Promise.race([proxyData.then((data) => ({ data })), failed.then((error) => ({ error }))]),
    STARTUP_TIMEOUT_MS,
  );
  if (loaded === undefined || "error" in loaded) {
    await worker.dispose();
    throw new GuardStartError(
      `the Worker did not start (${loaded === undefined ? `not loaded within ${STARTUP_TIMEOUT_MS / 1000} s` : loaded.error}); see wrangler's messages above, e.g. a build error`,
    );
  }
  if (!options.viaProxy) {
    const data = loaded.data;
    const target = data.userWorkerUrl;
    const secret = data.headers?.["MF-Proxy-Shared-Secret"];
    if (target && secret && target.protocol === "http:") {
      return {
        endpoint: {
          host: target.hostname,
          port: Number(target.port),
          headers: (path) => ({ "MF-Proxy-Shared-Secret": secret, "MF-Original-URL": `http://127.0.0.1${path}` }),
        },
        route: "direct",
        dispose: () => worker.dispose(),
      };
    }
    proc.stderr.write("eval: the user worker's address was not reported; replaying through wrangler's proxy worker\n");
  }
  return { endpoint: proxyEndpoint, route: "proxy", dispose: () => worker.dispose() };
}

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** workerd processes started by this process (Miniflare spawns one; found through /proc). */
export function workerdPids(): number[] {
  if (proc.platform !== "linux") return [];
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      parent.set(Number(entry), Number(fields[1]));
      comm.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
    } catch {
      // the process ended while we looked
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === proc.pid) return true;
    return false;
  };
  return [...comm.entries()].filter(([pid, name]) => name === "workerd" && isDescendant(pid)).map(([pid]) => pid);
}

/** User + system CPU seconds used so far by the given processes; undefined where /proc is not available. */
export function cpuSeconds(pids: readonly number[]): number | undefined {
  if (pids.length === 0) return undefined;
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return undefined;
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}
