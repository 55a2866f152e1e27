/**
 * The launcher (tools/launcher.ts) with the benchmark's settings: quiet, without wrangler dev's
 * local trace collector and explorer, and straight to Miniflare's entry rather than through the dev
 * proxy worker, so the figures are the Worker's own.
 */
import { startWorker, type RunningWorker, type WorkerOptions } from "../tools/launcher";
import { cpuSeconds as procCpuSeconds } from "../tools/procfs";

export type { RunningWorker };

export async function startBenchWorker(opts: Pick<WorkerOptions, "config" | "entrypoint" | "vars" | "persist">): Promise<RunningWorker> {
  const worker = await startWorker({ ...opts, logLevel: "error", devTools: false, route: "direct" });
  if (worker.route !== "direct") {
    await worker.dispose();
    throw new Error("bench: wrangler did not report the user worker's address");
  }
  return worker;
}

/** User + system CPU seconds of processes (Linux /proc; NaN elsewhere, so a ratio reads as missing). */
export function cpuSeconds(pids: readonly number[]): number {
  return procCpuSeconds(pids) ?? NaN;
}
