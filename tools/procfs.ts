/**
 * Process accounting through Linux /proc, for the CPU and memory figures of eval, bench and the load
 * test: which workerd processes belong to a launched Worker, and what they used. Elsewhere the
 * finders return nothing and the readers undefined, so a figure reads as missing rather than wrong.
 */
import { readFileSync, readdirSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  pgrp: number;
}

/** Every process's name, parent and group; `comm` may contain spaces, so fields split after the last ')'. */
function processes(): ProcStat[] {
  if (process.platform !== "linux") return [];
  const out: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      out.push({ pid: Number(entry), comm: stat.slice(stat.indexOf("(") + 1, close), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** workerd processes descended from this process (Miniflare spawns one per Worker it runs). */
export function descendantWorkerdPids(): number[] {
  const all = processes();
  const parent = new Map(all.map((p) => [p.pid, p.ppid]));
  const isDescendant = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  return all.filter((p) => p.comm === "workerd" && isDescendant(p.pid)).map((p) => p.pid);
}

/** Processes of the process group `pgid`. */
export function groupMembers(pgid: number): { pid: number; comm: string }[] {
  return processes()
    .filter((p) => p.pgrp === pgid)
    .map(({ pid, comm }) => ({ pid, comm }));
}

/** User + system CPU seconds used so far by the given processes; undefined where /proc cannot tell. */
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

/** Resident set size in bytes; 0 when the process is gone or /proc is missing. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
