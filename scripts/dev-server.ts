/**
 * Starts and stops a real `wrangler dev` for the reliability scripts (restart check, load test). It
 * listens on 127.0.0.1 only, on free ports, in its own process group, so a "crash" is one SIGKILL
 * to wrangler and its workerd processes together, as a machine losing power would do.
 */
import { spawn, type ScriptChild } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
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

export interface DevOptions {
  root: string;
  port: number;
  persistTo: string;
  vars: Record<string, string>;
  /** wrangler's output goes here */
  logFile: string;
  adminToken: string;
}

export interface DevServer {
  url: string;
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
  const args = [join(o.root, "node_modules", "wrangler", "bin", "wrangler.js"), "dev", "--ip", "127.0.0.1", "--port", String(o.port), "--inspector-port", String(await freePort()), "--persist-to", o.persistTo, "--show-interactive-dev-session=false", "--log-level", "warn"];
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
  const workerdPids = () => groupMembers(child.pid).filter((p) => p.comm === "workerd").map((p) => p.pid);
  return {
    url,
    child,
    workerdPids,
    workerdRss: () => workerdPids().reduce((n, pid) => n + rssOf(pid), 0),
    async crash() {
      const members = groupMembers(child.pid).map((p) => p.pid);
      killer.kill(-child.pid, "SIGKILL");
      await exited;
      // Every process of the group is gone and the port no longer answers.
      for (let i = 0; i < 100 && (members.some((pid) => groupMembers(child.pid).some((m) => m.pid === pid)) || (await isUp(url, o.adminToken))); i++) await sleep(100);
      log.end();
    },
  };
}
