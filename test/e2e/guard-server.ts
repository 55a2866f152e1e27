/**
 * A real `wrangler dev` for browser tests: a free port, test mode, an operator token, persistence in a
 * temporary directory, stopped (with its workerd) at the end. Started from the repository's own
 * wrangler so it runs exactly what `npm run dev` runs.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface GuardServer {
  url: string;
  token: string;
  stop(): Promise<void>;
  log(): string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export async function startGuard(vars: Record<string, string> = {}): Promise<GuardServer> {
  const port = await freePort();
  const token = "e2e-operator-token";
  const persist = mkdtempSync(join(tmpdir(), "distill-guard-e2e-"));
  const allVars = { GUARD_TEST_MODE: "true", ADMIN_TOKEN: token, GUARD_SECRET: "e2e-secret", ...vars };
  const args = ["dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persist, "--show-interactive-dev-session=false", "--log-level", "warn"];
  for (const [k, v] of Object.entries(allVars)) args.push("--var", `${k}:${v}`);
  // Detached: the child leads its own process group, so stopping it stops workerd too.
  const child = spawn(join(process.cwd(), "node_modules", ".bin", "wrangler"), args, {
    cwd: process.cwd(),
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "true" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Uint8Array) => (output = (output + new TextDecoder().decode(chunk)).slice(-20_000));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // already gone
          }
          resolve();
        }, 5_000);
        child.on("exit", () => (clearTimeout(timer), resolve()));
      });
    }
    rmSync(persist, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/_guard/v1/status`, { headers: { authorization: `Bearer ${token}` } });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer within 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, token, stop, log: () => output };
}
