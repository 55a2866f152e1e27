/*
 * What the globalSetup files (test/faults/upstream-server.ts, test/speculative/upstream-server.ts)
 * provide to the tests through vitest's inject(). Declared here, apart from those Node-side files,
 * so both tsconfig.json (the workerd tests) and tsconfig.node.json (the setups, vitest.config.ts) see it.
 */
export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** test/faults/upstream-server.ts: the local upstream, and a port nothing listens on */
    upstreamPort: number;
    closedPort: number;
    /** test/speculative/upstream-server.ts */
    speculativeUpstreamPort: number;
  }
}
