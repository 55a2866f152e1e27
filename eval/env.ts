/**
 * A typed view of Node's `process`, which workers-types declares as `any` (see `eval/node.d.ts`).
 */
export interface NodeProcess {
  argv: string[];
  env: Record<string, string | undefined>;
  pid: number;
  platform: string;
  exitCode: number | undefined;
  cwd(): string;
  exit(code?: number): never;
  cpuUsage(previous?: { user: number; system: number }): { user: number; system: number };
  memoryUsage(): { rss: number; heapUsed: number };
  hrtime: { bigint(): bigint };
  stdout: { write(text: string): boolean; isTTY?: boolean };
  stderr: { write(text: string): boolean; isTTY?: boolean };
  on(event: "SIGINT" | "SIGTERM", listener: () => void): void;
}

export const proc: NodeProcess = (globalThis as unknown as { process: NodeProcess }).process;

/** Milliseconds from a monotonic clock, for throughput and latency. */
export function nowMs(): number {
  return Number(proc.hrtime.bigint()) / 1e6;
}
