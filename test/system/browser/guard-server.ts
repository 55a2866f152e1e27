/**
 * A real `wrangler dev` for browser tests, through the project's launcher: a free port, test mode,
 * an operator token, persistence in a temporary directory, stopped (with its workerd) at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWranglerDev } from "../../../tools/launcher";

export interface GuardServer {
  url: string;
  token: string;
  stop(): Promise<void>;
  log(): string;
}

export async function startGuard(vars: Record<string, string> = {}): Promise<GuardServer> {
  const token = "e2e-operator-token";
  const persist = mkdtempSync(join(tmpdir(), "distill-guard-e2e-"));
  const dev = await startWranglerDev({
    root: process.cwd(),
    persistTo: persist,
    vars: { GUARD_TEST_MODE: "true", ADMIN_TOKEN: token, GUARD_SECRET: "e2e-secret", ...vars },
    adminToken: token,
    env: { CI: "true" },
    readyTimeoutMs: 120_000,
  }).catch((error: unknown) => {
    rmSync(persist, { recursive: true, force: true });
    throw error;
  });
  return {
    url: dev.url,
    token,
    log: dev.log,
    async stop() {
      await dev.stop();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}
