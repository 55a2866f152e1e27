/**
 * Starts and stops a real `wrangler dev` for the reliability scripts (restart check, load test). It
 * listens on 127.0.0.1 only, on free ports, in its own process group, so a "crash" is one SIGKILL
 * to wrangler and its workerd processes together, as a machine losing power would do.
 */
import { spawn, type ScriptChild } from "node:child_process";
import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { proc } from "../eval/env";

interface NodeExtras {
  kill(pid: number, signal: string): void;
  execPath: string;
}
const killer = (globalThis as unknown as { process: NodeExtras }).process;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What `wrangler dev` bundles: the Worker's sources and configuration. */
const SOURCES = ["wrangler.toml", "package.json", "tsconfig.json", "worker", "core", "durable-objects", "scripts/load-baseline"];

/**
 * Copies the Worker's sources to `dir` (node_modules linked, not copied) and returns it. `wrangler
 * dev` watches its sources and reloads the Worker when one changes, dropping in-flight requests
 * (503) and in-memory state; run from a snapshot, a check measures the code as it was when it
 * started, whatever is edited meanwhile.
 */
export function snapshotSources(root: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const entry of SOURCES) {
    if (!existsSync(join(root, entry))) continue;
    if (entry.includes("/")) mkdirSync(join(dir, entry, ".."), { recursive: true });
    cpSync(join(root, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

export interface DevOptions {
  root: string;
  /** wrangler config; default: the project's wrangler.toml */
  config?: string;
  port: number;
  persistTo: string;
  vars: Record<string, string>;
  /** wrangler's output goes here */
  logFile: string;
  adminToken: string;
}

export interface HeapUsage {
  /** bytes of live JS objects in the Worker's isolate (its Durable Objects included) */
  used: number;
  /** bytes the isolate's heap has reserved */
  total: number;
}

export interface DevServer {
  url: string;
  /** The V8 heap of the Worker's isolate, through wrangler's inspector (Runtime.getHeapUsage). */
  heapUsage(): Promise<HeapUsage | null>;
  child: ScriptChild;
  /** SIGKILL to the whole process group; resolves when wrangler has exited and the port is closed. */
  crash(): Promise<void>;
  /** The RSS in bytes of every workerd process of this server (Linux /proc). */
  workerdRss(): number;
  workerdPids(): number[];
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

/** Processes whose process group is `pgid`, by reading /proc (Linux). */
function groupMembers(pgid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // pid (comm) state ppid pgrp …; comm may contain spaces, so split after the last ')'.
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) out.push({ pid: Number(name), comm });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export async function startDev(o: DevOptions): Promise<DevServer> {
  // The wrangler CLI on this very Node (22 under `npm run`), not whatever `node` is first on the PATH.
  const inspectorPort = await freePort();
  const args = [join(o.root, "node_modules", "wrangler", "bin", "wrangler.js"), "dev", "--ip", "127.0.0.1", "--port", String(o.port), "--inspector-port", String(inspectorPort), "--persist-to", o.persistTo, "--show-interactive-dev-session=false", "--log-level", "warn"];
  if (o.config) args.push("--config", o.config);
  for (const [k, v] of Object.entries(o.vars)) args.push("--var", `${k}:${v}`);
  const env = { ...proc.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  const child = spawn(killer.execPath, args, { cwd: o.root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const log = createWriteStream(o.logFile);
  child.stdout?.pipe(log);
  child.stderr?.on("data", (chunk) => log.write(chunk));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const url = `http://127.0.0.1:${o.port}`;

  const deadline = Date.now() + 90_000;
  while (!(await isUp(url, o.adminToken))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`wrangler dev exited before it was ready; see ${o.logFile}`);
    if (Date.now() > deadline) {
      killer.kill(-child.pid, "SIGKILL");
      throw new Error(`wrangler dev was not ready within 90 s; see ${o.logFile}`);
    }
    await sleep(250);
  }
  const inspector = new Inspector(`ws://127.0.0.1:${inspectorPort}/ws`);
  const workerdPids = () => groupMembers(child.pid).filter((p) => p.comm === "workerd").map((p) => p.pid);
  return {
    url,
    child,
    workerdPids,
    heapUsage: () => inspector.heapUsage(),
    workerdRss: () => workerdPids().reduce((n, pid) => n + rssOf(pid), 0),
    async crash() {
      inspector.close();
      const members = groupMembers(child.pid).map((p) => p.pid);
      killer.kill(-child.pid, "SIGKILL");
      await exited;
      // Every process of the group is gone and the port no longer answers.
      for (let i = 0; i < 100 && (members.some((pid) => groupMembers(child.pid).some((m) => m.pid === pid)) || (await isUp(url, o.adminToken))); i++) await sleep(100);
      log.end();
    },
  };
}

/**
 * A minimal Chrome DevTools Protocol client for wrangler's inspector proxy (which accepts only
 * connections that send an Origin header). Used for Runtime.getHeapUsage.
 */
class Inspector {
  private ws: WebSocket | null = null;
  private opening: Promise<WebSocket | null> | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();

  constructor(private readonly url: string) {}

  private open(): Promise<WebSocket | null> {
    this.opening ??= new Promise((resolve) => {
      // Node's WebSocket (undici) takes headers in its second argument.
      const ws = new WebSocket(this.url, { headers: { Origin: "http://127.0.0.1" } } as unknown as string[]);
      const timer = setTimeout(() => resolve(null), 5000);
      ws.addEventListener("open", () => {
        clearTimeout(timer);
        this.ws = ws;
        resolve(ws);
      });
      ws.addEventListener("error", () => resolve(null));
      ws.addEventListener("message", (m) => {
        const msg = JSON.parse(String(m.data)) as { id?: number; result?: unknown };
        if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
        if (msg.id !== undefined) this.pending.delete(msg.id);
      });
    });
    return this.opening;
  }

  async heapUsage(): Promise<HeapUsage | null> {
    const ws = await this.open();
    if (!ws) return null;
    const id = ++this.nextId;
    const result = await new Promise<unknown>((resolve) => {
      this.pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method: "Runtime.getHeapUsage" }));
      setTimeout(() => resolve(null), 10_000);
    });
    const r = result as { usedSize?: number; totalSize?: number } | null;
    return r && typeof r.usedSize === "number" ? { used: r.usedSize, total: r.totalSize ?? 0 } : null;
  }

  close(): void {
    this.ws?.close();
  }
}
