/*
 * Node APIs the benchmark uses beyond those eval/node.d.ts declares (ambient module declarations of
 * one name merge). Typed by hand for the same reason: @types/node is not a dependency.
 */

declare module "node:http" {
  export interface BenchServerRequest extends EvalReadable {
    method?: string;
    url?: string;
    headers: Record<string, string | string[] | undefined>;
  }
  export interface BenchServerResponse {
    writeHead(status: number, headers: Record<string, string>): this;
    write(chunk: string | Uint8Array): boolean;
    end(body?: string | Uint8Array): void;
  }
  export interface BenchServer {
    listen(port: number, host: string, callback: () => void): this;
    address(): { port: number; address: string } | string | null;
    close(callback?: () => void): void;
    keepAliveTimeout: number;
  }
  export function createServer(handler: (req: BenchServerRequest, res: BenchServerResponse) => void): BenchServer;
}

declare module "node:child_process" {
  export interface BenchChild {
    pid: number;
    stdout: EvalReadable;
    stderr: EvalReadable;
    kill(signal?: string): boolean;
    on(event: "exit", listener: (code: number | null) => void): this;
  }
  export function spawn(command: string, args: string[], options?: { stdio?: ("pipe" | "inherit" | "ignore")[]; env?: Record<string, string | undefined> }): BenchChild;
}

declare module "node:os" {
  export function loadavg(): number[];
}
