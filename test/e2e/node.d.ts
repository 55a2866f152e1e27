/*
 * The few Node APIs the browser tests use, typed by hand: the project's type set is the Workers
 * runtime and `@types/node` is not a dependency (see eval/node.d.ts for the same choice). Ambient
 * module declarations merge, so these may overlap with eval's.
 */
interface E2eChildProcess {
  pid?: number;
  exitCode: number | null;
  stdout: { on(event: "data", listener: (chunk: Uint8Array) => void): void } | null;
  stderr: { on(event: "data", listener: (chunk: Uint8Array) => void): void } | null;
  on(event: "exit", listener: (code: number | null) => void): void;
  kill(signal?: string): boolean;
}

declare module "node:child_process" {
  export function spawn(command: string, args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; detached?: boolean; stdio?: ("pipe" | "ignore")[] }): E2eChildProcess;
}

declare module "node:net" {
  interface E2eServer {
    listen(port: number, host: string, callback: () => void): void;
    address(): { port: number } | string | null;
    close(callback?: () => void): void;
  }
  export function createServer(): E2eServer;
}

declare module "node:fs" {
  export function mkdtempSync(prefix: string): string;
  export function rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  export function existsSync(path: string): boolean;
}

declare module "node:os" {
  export function tmpdir(): string;
}

declare module "node:path" {
  export function join(...parts: string[]): string;
}
