/**
 * The parts of wrangler's programmatic dev API (`unstable_DevEnv`) that eval/ and bench/ use. They
 * are not in wrangler's public types, so they are declared once here.
 */
export interface ProxyData {
  userWorkerUrl?: { protocol: string; hostname: string; port: string };
  headers?: Record<string, string | undefined>;
}

export interface DevWorker {
  ready: Promise<void>;
  url: Promise<URL>;
  dispose(): Promise<void>;
}

export interface DevEnv {
  on(event: "reloadComplete", listener: (event: { proxyData?: ProxyData }) => void): void;
  on(event: "error", listener: (event: unknown) => void): void;
  startWorker(options: unknown): Promise<DevWorker>;
}
