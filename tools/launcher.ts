/**
 * The one way the Node-side tools start a Worker: eval, bench, the reliability scripts and the
 * system tests all come through here, offline and on 127.0.0.1 only.
 *
 *  - `startWorker` runs it in this process through wrangler's programmatic dev API (the bundling,
 *    bindings and workerd of `wrangler dev`), by default addressed straight at Miniflare's entry;
 *  - `startWranglerDev` runs the `wrangler dev` CLI as a child in its own process group, for what
 *    needs a whole server to kill (restart check), its inspector (load test) or a browser (e2e);
 *  - `startSelfhost` runs `npm run selfhost` (workerd alone, no wrangler) the same way.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, createWriteStream, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Inspector, type HeapUsage } from "./inspector";
import { descendantWorkerdPids, groupMembers, rssBytes } from "./procfs";

export type { HeapUsage };

/** Miniflare would otherwise download the `request.cf` placeholder, and wrangler send metrics. */
const OFFLINE = { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" } as const;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A start error's messages, causes included (a ConfigError shows up as the cause of a reload error). */
function messageOf(event: unknown): string {
  const parts: string[] = [];
  let e = event as { reason?: unknown; message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    for (const v of [e.reason, e.message]) if (typeof v === "string") parts.push(v);
    e = e.cause as typeof e;
  }
  return parts.join(" | ") || "unknown error";
}

export class WorkerStartError extends Error {}

// ---- in this process: wrangler's programmatic dev API ------------------------------------------

/** The parts of wrangler's `unstable_DevEnv` used here; they are not in wrangler's public types. */
interface ProxyData {
  userWorkerUrl?: { protocol: string; hostname: string; port: string };
  headers?: Record<string, string | undefined>;
}
interface DevWorker {
  ready: Promise<void>;
  url: Promise<URL>;
  fetch(url: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}
interface DevEnv {
  on(event: "reloadComplete", listener: (event: { proxyData?: ProxyData }) => void): void;
  on(event: "error", listener: (event: unknown) => void): void;
  startWorker(options: unknown): Promise<DevWorker>;
}

export interface WorkerOptions {
  /** wrangler config file */
  config: string;
  /** another main module than the config's */
  entrypoint?: string;
  /** plain-text vars over the config's */
  vars?: Record<string, string>;
  /** secret vars over the config's */
  secrets?: Record<string, string>;
  /** a directory for Durable Object storage; false (the default) keeps it in memory */
  persist?: string | false;
  /** "direct" (default): straight to Miniflare's entry; "proxy": through wrangler dev's proxy worker */
  route?: "direct" | "proxy";
  logLevel?: "none" | "error" | "warn" | "log";
  /** keep wrangler dev's local trace collector and explorer (default true); they cost CPU per request */
  devTools?: boolean;
  /** bundling and starting take seconds; a build error is only printed, so give up after this */
  startupTimeoutMs?: number;
}

/** Where to send requests: host, port and the headers every request needs on that route. */
export interface Endpoint {
  host: string;
  port: number;
  headers: (path: string) => Record<string, string>;
}

export interface RunningWorker {
  endpoint: Endpoint;
  route: "direct" | "proxy";
  /** workerd processes started for this Worker (Linux; empty elsewhere) */
  pids: number[];
  /** resolves with a message if the Worker fails after it was loaded (e.g. throws at first request) */
  failure: Promise<string>;
  /** a request through wrangler's own client, whatever the route */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const logLevel = options.logLevel ?? "warn";
  for (const [name, value] of Object.entries(OFFLINE)) process.env[name] ??= value;
  // Per-request access logs would cost more than the traffic itself.
  process.env.WRANGLER_LOG ??= logLevel === "none" ? "error" : logLevel;
  if (options.devTools === false) {
    // Measured: 800 against 430 µs of workerd CPU per request for a hello-world Worker with them on.
    process.env.X_LOCAL_OBSERVABILITY ??= "false";
    process.env.X_LOCAL_EXPLORER ??= "false";
  }
  const timeoutMs = options.startupTimeoutMs ?? 30_000;
  const before = new Set(descendantWorkerdPids());

  const wrangler = (await import("wrangler")) as unknown as { unstable_DevEnv: new () => DevEnv };
  const devEnv = new wrangler.unstable_DevEnv();
  const proxyData = new Promise<ProxyData>((resolve) => devEnv.on("reloadComplete", (event) => resolve(event.proxyData ?? {})));
  // A build or startup error is reported here; the proxy worker would then hold requests forever.
  const failure = new Promise<string>((resolve) => devEnv.on("error", (event) => resolve(messageOf(event))));

  const bindings: Record<string, { type: "plain_text" | "secret_text"; value: string }> = {};
  for (const [name, value] of Object.entries(options.secrets ?? {})) bindings[name] = { type: "secret_text", value };
  for (const [name, value] of Object.entries(options.vars ?? {})) bindings[name] = { type: "plain_text", value };
  const worker = await devEnv.startWorker({
    config: options.config,
    ...(options.entrypoint ? { entrypoint: options.entrypoint } : {}),
    bindings,
    dev: { persist: options.persist ?? false, server: { hostname: "127.0.0.1", port: 0 }, inspector: false, watch: false, remote: false, logLevel },
  });

  const loading = (async () => {
    await worker.ready;
    const url = await worker.url;
    return { url, data: await proxyData };
  })();
  const loaded = await Promise.race([
    loading.catch((error: unknown) => ({ error: messageOf(error) })),
    failure.then((error) => ({ error })),
    sleep(timeoutMs).then(() => ({ error: `not loaded within ${timeoutMs / 1000} s` })),
  ]);
  if ("error" in loaded) {
    await worker.dispose().catch(() => {});
    throw new WorkerStartError(`the Worker did not start (${loaded.error}); see wrangler's messages above, e.g. a build error`);
  }

  const common = {
    pids: descendantWorkerdPids().filter((pid) => !before.has(pid)),
    failure,
    fetch: (url: string, init?: RequestInit) => worker.fetch(url, init),
    dispose: () => worker.dispose(),
  };
  if (options.route !== "proxy") {
    // wrangler dev fronts the Worker with a proxy worker (a Durable Object that queues every request
    // across reloads); nothing here reloads, so requests go to Miniflare's entry directly, which halves
    // workerd's CPU per request. The entry trusts MF-Original-URL only with the proxy's shared secret.
    const target = loaded.data.userWorkerUrl;
    const secret = loaded.data.headers?.["MF-Proxy-Shared-Secret"];
    if (target && secret && target.protocol === "http:") {
      const headers = (path: string) => ({ "MF-Proxy-Shared-Secret": secret, "MF-Original-URL": `http://127.0.0.1${path}` });
      return { ...common, endpoint: { host: target.hostname, port: Number(target.port), headers }, route: "direct" };
    }
    process.stderr.write("launcher: the user worker's address was not reported; going through wrangler's proxy worker\n");
  }
  return { ...common, endpoint: { host: loaded.url.hostname, port: Number(loaded.url.port), headers: () => ({}) }, route: "proxy" };
}

// ---- a child process: the `wrangler dev` CLI ----------------------------------------------------

/** What `wrangler dev` bundles: the Worker's sources and configuration. */
const SOURCES = ["wrangler.toml", "package.json", "tsconfig.json", "worker", "core", "durable-objects"];

/**
 * Copies the Worker's sources and `extra` paths to `dir` (node_modules linked, not copied) and returns it. `wrangler
 * dev` watches its sources and reloads the Worker when one changes, dropping in-flight requests
 * (503) and in-memory state; run from a snapshot, a check measures the code as it was when it
 * started, whatever is edited meanwhile.
 */
export function snapshotSources(root: string, dir: string, extra: readonly string[] = []): string {
  mkdirSync(dir, { recursive: true });
  for (const entry of [...SOURCES, ...extra]) {
    if (!existsSync(join(root, entry))) continue;
    if (entry.includes("/")) mkdirSync(join(dir, entry, ".."), { recursive: true });
    cpSync(join(root, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** What every server started as a child process needs: see `startWranglerDev` and `startSelfhost`. */
interface ServerOptions {
  /** the project directory the server runs in */
  root: string;
  /** default: a free port */
  port?: number;
  vars: Record<string, string>;
  /** the operator token, to ask the guard whether it is up */
  adminToken: string;
  /** the server's output is also written here */
  logFile?: string;
  /** extra environment for the server */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface WranglerDevOptions extends ServerOptions {
  /** wrangler config; default: the root's wrangler.toml */
  config?: string;
  persistTo: string;
}

export interface SelfhostOptions extends ServerOptions {
  /** the state directory (`--state`) */
  state: string;
}

/** A guard server running as a child process in its own process group. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** the last 20 000 characters it printed */
  log(): string;
  workerdPids(): number[];
  /** The RSS in bytes of every workerd process of this server (Linux /proc). */
  workerdRss(): number;
  /** SIGTERM to the process group, SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL to the whole process group, as a machine losing power would do; resolves when every process has exited and the port is closed. */
  crash(): Promise<void>;
}

export interface WranglerDev extends ServerProcess {
  /** The V8 heap of the Worker's isolate, through wrangler's inspector (Runtime.getHeapUsage). */
  heapUsage(afterCollection?: boolean): Promise<HeapUsage | null>;
}

async function isUp(url: string, token: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/_guard/v1/flagged`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Starts `args` on this very Node (22 under `npm run`, not whatever `node` is first on the PATH) and waits until the guard answers on `port`. */
async function startServer(name: string, o: ServerOptions, port: number, args: string[], onClose: () => void = () => {}): Promise<ServerProcess> {
  const env = { ...process.env, ...OFFLINE, NO_COLOR: "1", ...o.env };
  // Detached: the server leads its own process group, so one signal reaches its workerd processes too.
  const child = spawn(process.execPath, args, { cwd: o.root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const pid = child.pid!;
  const file = o.logFile ? createWriteStream(o.logFile) : undefined;
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-20_000);
    file?.write(chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const where = () => (o.logFile ? `see ${o.logFile}` : `its output:\n${output}`);

  const timeoutMs = o.readyTimeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  while (!(await isUp(url, o.adminToken))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode} before it was ready; ${where()}`);
    if (Date.now() > deadline) {
      killGroup(pid, "SIGKILL");
      throw new Error(`${name} was not ready within ${timeoutMs / 1000} s; ${where()}`);
    }
    await sleep(250);
  }
  const workerdPids = () =>
    groupMembers(pid)
      .filter((p) => p.comm === "workerd")
      .map((p) => p.pid);
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    url,
    child,
    log: () => output,
    workerdPids,
    workerdRss: () => workerdPids().reduce((n, p) => n + rssBytes(p), 0),
    async stop() {
      onClose();
      if (running()) {
        killGroup(pid, "SIGTERM");
        await Promise.race([exited, sleep(5_000).then(() => killGroup(pid, "SIGKILL"))]);
      }
      file?.end();
    },
    async crash() {
      onClose();
      const members = groupMembers(pid).map((p) => p.pid);
      killGroup(pid, "SIGKILL");
      await exited;
      // Every process of the group is gone and the port no longer answers.
      for (let i = 0; i < 100 && (members.some((m) => groupMembers(pid).some((g) => g.pid === m)) || (await isUp(url, o.adminToken))); i++) await sleep(100);
      file?.end();
    },
  };
}

export async function startWranglerDev(o: WranglerDevOptions): Promise<WranglerDev> {
  const port = o.port ?? (await freePort());
  const inspectorPort = await freePort();
  const args = [
    join(o.root, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    o.persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  if (o.config) args.push("--config", o.config);
  for (const [k, v] of Object.entries(o.vars)) args.push("--var", `${k}:${v}`);
  let inspector: Inspector | undefined;
  const server = await startServer("wrangler dev", o, port, args, () => inspector?.close());
  inspector = new Inspector(`ws://127.0.0.1:${inspectorPort}/ws`);
  const connected = inspector;
  return { ...server, heapUsage: (afterCollection) => connected.heapUsage(afterCollection) };
}

/** `npm run selfhost`: the guard on workerd alone, its Durable Objects' SQLite files in `o.state`. */
export async function startSelfhost(o: SelfhostOptions): Promise<ServerProcess> {
  const port = o.port ?? (await freePort());
  const args = [join(o.root, "eval", "run.mjs"), "scripts/selfhost.ts", "--port", String(port), "--state", o.state];
  for (const [k, v] of Object.entries(o.vars)) args.push("--var", `${k}:${v}`);
  return startServer("selfhost", o, port, args);
}
