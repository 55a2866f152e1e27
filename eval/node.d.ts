/*
 * The few Node APIs the evaluation tools use, typed by hand.
 *
 * Why: the project's type set is the Workers runtime (`@cloudflare/workers-types`) and `@types/node`
 * is not a dependency, yet `eval/` and its tests run on Node. Declaring only what we call keeps
 * `npm run typecheck` strict without widening the Worker's own types. If `@types/node` is ever added
 * to devDependencies, delete this file (its declarations would clash).
 *
 * The global `process` is already declared (as `any`) by workers-types; `eval/env.ts` gives it a type.
 */

interface EvalReadable extends AsyncIterable<Uint8Array> {
  pipe<T extends EvalWritable>(destination: T): T;
  on(event: "error", listener: (error: Error) => void): this;
  on(event: "data", listener: (chunk: Uint8Array) => void): this;
  on(event: "end" | "close", listener: () => void): this;
  resume(): this;
  destroy(error?: Error): this;
}

interface EvalWritable {
  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
  end(callback?: () => void): this;
  on(event: "error", listener: (error: Error) => void): this;
  on(event: "drain" | "finish" | "close", listener: () => void): this;
  once(event: "drain" | "finish" | "close", listener: () => void): this;
  once(event: "error", listener: (error: Error) => void): this;
}

interface EvalDuplex extends EvalReadable, EvalWritable {
  on(event: "error", listener: (error: Error) => void): this;
  on(event: "data", listener: (chunk: Uint8Array) => void): this;
  on(event: "end" | "close" | "drain" | "finish", listener: () => void): this;
}

declare module "node:fs" {
  export function createReadStream(path: string): EvalReadable;
  export function createWriteStream(path: string): EvalWritable;
  export function readFileSync(path: string): Uint8Array;
  export function readFileSync(path: string, encoding: "utf8"): string;
  export function writeFileSync(path: string, data: string | Uint8Array): void;
  export function existsSync(path: string): boolean;
  export function mkdirSync(path: string, options?: { recursive?: boolean }): string | undefined;
  export function readdirSync(path: string): string[];
  export function rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  export function mkdtempSync(prefix: string): string;
  export function statSync(path: string): { size: number; isDirectory(): boolean; isFile(): boolean };
  export function openSync(path: string, flags: string): number;
  export function readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  export function closeSync(fd: number): void;
}

declare module "node:zlib" {
  export function createGunzip(): EvalDuplex;
  export function createGzip(options?: { level?: number }): EvalDuplex;
  export function gunzipSync(data: Uint8Array): Uint8Array;
}

declare module "node:readline" {
  export interface EvalLineReader extends AsyncIterable<string> {
    close(): void;
  }
  export function createInterface(options: { input: EvalReadable; crlfDelay?: number }): EvalLineReader;
}

declare module "node:path" {
  export function join(...parts: string[]): string;
  export function resolve(...parts: string[]): string;
  export function basename(path: string, suffix?: string): string;
  export function dirname(path: string): string;
  export function relative(from: string, to: string): string;
}

declare module "node:os" {
  export function tmpdir(): string;
  export function cpus(): unknown[];
}

declare module "node:crypto" {
  export interface EvalHash {
    update(data: string | Uint8Array): EvalHash;
    digest(encoding: "hex" | "base64url"): string;
  }
  export function createHash(algorithm: "sha256" | "sha1"): EvalHash;
}

declare module "node:http" {
  export interface EvalAgentOptions {
    keepAlive?: boolean;
    maxSockets?: number;
    maxFreeSockets?: number;
  }
  export class Agent {
    constructor(options?: EvalAgentOptions);
    destroy(): void;
  }
  export interface EvalIncomingMessage extends EvalReadable {
    statusCode?: number;
    headers: Record<string, string | string[] | undefined>;
  }
  export interface EvalClientRequest extends EvalWritable {
    /** whether the request went out on a kept-alive socket */
    reusedSocket: boolean;
    on(event: "error", listener: (error: Error & { code?: string }) => void): this;
    on(event: "drain" | "finish" | "close", listener: () => void): this;
    setTimeout(ms: number, callback: () => void): this;
    destroy(error?: Error): this;
  }
  export interface EvalRequestOptions {
    host: string;
    port: number;
    method: string;
    path: string;
    headers: Record<string, string | number>;
    agent: Agent;
  }
  export function request(options: EvalRequestOptions, callback: (response: EvalIncomingMessage) => void): EvalClientRequest;

  export interface EvalServerRequest extends EvalReadable {
    method?: string;
    url?: string;
    headers: Record<string, string | string[] | undefined>;
  }
  export interface EvalServerResponse extends EvalWritable {
    writeHead(status: number, headers?: Record<string, string | number>): this;
    end(data?: string | Uint8Array): this;
  }
  export interface EvalServer {
    listen(port: number, host: string, callback: () => void): this;
    address(): { port: number; address: string } | string | null;
    close(callback?: (error?: Error) => void): this;
    closeAllConnections(): void;
    keepAliveTimeout: number;
  }
  export function createServer(handler: (req: EvalServerRequest, res: EvalServerResponse) => void): EvalServer;
}

declare module "node:url" {
  export function pathToFileURL(path: string): URL;
  export function fileURLToPath(url: string | URL): string;
}
