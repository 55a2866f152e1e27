/**
 * Starts a Worker in workerd through wrangler's programmatic API (the bundling and bindings of
 * `wrangler dev`, offline), and finds its workerd process for CPU accounting. Requests go straight
 * to Miniflare's entry, not through wrangler dev's proxy worker (as eval/worker.ts does), so the
 * figures are the Worker's and not the dev proxy's.
 */
import { proc } from "../eval/env";
import type { DevEnv, ProxyData } from "../eval/wrangler-dev";
import { cpuSeconds as evalCpuSeconds, workerdPids } from "../eval/worker";

export interface Target {
  host: string;
  port: number;
  /** headers every request needs to reach the Worker directly */
  headers(path: string): Record<string, string>;
  pids: number[];
  dispose(): Promise<void>;
}


export interface StartOptions {
  config: string;
  /** another main module than the config's */
  entrypoint?: string;
  vars: Record<string, string>;
  /** directory for Durable Object storage (SQLite on disk); false keeps it in memory */
  persist: string | false;
}

export async function startWorker(opts: StartOptions): Promise<Target> {
  proc.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  proc.env.WRANGLER_SEND_METRICS ??= "false";
  proc.env.WRANGLER_LOG ??= "error";
  // wrangler dev attaches a local trace collector and a local explorer to every Worker by default;
  // they are development tools, not part of the runtime, and cost more CPU per request than a bare
  // Worker itself (measured here: 800 against 430 µs per request for a hello-world Worker).
  proc.env.X_LOCAL_OBSERVABILITY ??= "false";
  proc.env.X_LOCAL_EXPLORER ??= "false";
  const before = new Set(workerdPids());
  const wrangler = (await import("wrangler")) as unknown as { unstable_DevEnv: new () => DevEnv };
  const devEnv = new wrangler.unstable_DevEnv();
  const proxyData = new Promise<ProxyData>((resolve) => devEnv.on("reloadComplete", (e) => resolve(e.proxyData ?? {})));
  const bindings: Record<string, { type: "plain_text"; value: string }> = {};
  for (const [k, v] of Object.entries(opts.vars)) bindings[k] = { type: "plain_text", value: v };
  const worker = await devEnv.startWorker({
    config: opts.config,
    ...(opts.entrypoint ? { entrypoint: opts.entrypoint } : {}),
    bindings,
    dev: { persist: opts.persist, server: { hostname: "127.0.0.1", port: 0 }, inspector: false, watch: false, remote: false, logLevel: "error" },
  });
  await worker.ready;
  await worker.url;
  const data = await Promise.race([proxyData, new Promise<ProxyData>((r) => setTimeout(() => r({}), 30_000))]);
  const target = data.userWorkerUrl;
  const secret = data.headers?.["MF-Proxy-Shared-Secret"];
  if (!target || !secret) throw new Error("bench: wrangler did not report the user worker's address");
  const pids = workerdPids().filter((p) => !before.has(p));
  return {
    host: target.hostname,
    port: Number(target.port),
    headers: (path) => ({ "MF-Proxy-Shared-Secret": secret, "MF-Original-URL": `http://127.0.0.1${path}` }),
    pids,
    dispose: () => worker.dispose(),
  };
}

/** workerd processes descended from this process (the eval tool's finder). */
export { workerdPids };

/** User + system CPU seconds of processes (Linux /proc; NaN elsewhere, so a ratio reads as missing). */
export function cpuSeconds(pids: readonly number[]): number {
  return evalCpuSeconds(pids) ?? NaN;
}
