/*
 * Node APIs the reliability scripts (scripts/restart-check.ts, scripts/load.ts) use beyond those
 * eval/node.d.ts declares; ambient declarations of one module name merge. Typed by hand because
 * @types/node is not a dependency (see eval/node.d.ts).
 */

declare module "node:child_process" {
  export interface ScriptChild {
    pid: number;
    stdout: EvalReadable | null;
    stderr: EvalReadable | null;
    exitCode: number | null;
    signalCode: string | null;
    on(event: "exit", listener: (code: number | null, signal: string | null) => void): this;
  }
  export interface ScriptSpawnOptions {
    cwd?: string;
    env?: Record<string, string | undefined>;
    stdio?: ("pipe" | "inherit" | "ignore")[];
    /** its own process group, so the whole tree (wrangler and workerd) can be killed at once */
    detached: boolean;
  }
  export function spawn(command: string, args: string[], options: ScriptSpawnOptions): ScriptChild;
}

declare module "autocannon" {
  export interface AutocannonRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
  }
  export interface AutocannonOptions {
    url: string;
    connections?: number;
    duration?: number;
    /** requests to send instead of a duration */
    amount?: number;
    pipelining?: number;
    timeout?: number;
    requests?: AutocannonRequest[];
  }
  export interface AutocannonHistogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    total: number;
  }
  export interface AutocannonResult {
    requests: AutocannonHistogram & { sent: number };
    latency: AutocannonHistogram & { p97_5: number; p99_9: number };
    throughput: AutocannonHistogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    duration: number;
    "1xx": number;
    "2xx": number;
    "3xx": number;
    "4xx": number;
    "5xx": number;
    statusCodeStats: Record<string, { count: number }>;
  }
  export interface AutocannonInstance {
    on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
  }
  function autocannon(options: AutocannonOptions, callback: (error: Error | null, result: AutocannonResult) => void): AutocannonInstance;
  export default autocannon;
}

declare module "node:fs" {
  export function cpSync(source: string, destination: string, options?: { recursive?: boolean }): void;
  export function symlinkSync(target: string, path: string, type?: "dir" | "file" | "junction"): void;
}
