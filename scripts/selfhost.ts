/**
 * The guard on the workerd runtime itself, for a team that runs its own models: no wrangler at run
 * time, no Cloudflare account, nothing fetched from the network. The Durable Objects keep their
 * SQLite files in the state directory, so a restart (or a SIGKILL) on the same directory resumes
 * where the last flush left off. docs/selfhost.md has the recipe.
 *
 *   npm run selfhost -- --port 8787 [--state DIR] [--var K:V ...] [--env-file FILE] [--env NAME]
 *
 * Exit code: 2 for a bad command line or refused vars (nothing started), else workerd's own.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareSelfhost } from "../tools/selfhost";
import { parseSelfhostArgs, USAGE, UsageError } from "../tools/selfhost-config";

const ROOT = resolve(fileURLToPath(import.meta.url), "..", "..", "..");
const say = (line: string) => process.stdout.write(`selfhost: ${line}\n`);

async function main(): Promise<number> {
  if (process.argv.includes("--help")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let prepared: Awaited<ReturnType<typeof prepareSelfhost>>;
  try {
    prepared = await prepareSelfhost(ROOT, parseSelfhostArgs(process.argv.slice(2)));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`selfhost: ${error.message}\n`);
    if (/GUARD_SECRET/.test(error.message)) process.stderr.write("selfhost: give secrets in a file kept out of the process list: --env-file FILE (GUARD_SECRET=..., ADMIN_TOKEN=...)\n");
    return 2;
  }
  if (!prepared.vars.CLIENT_IP_HEADER) say("client addresses are not used: set --var CLIENT_IP_HEADER:<header> to the one your reverse proxy sets");
  if (!prepared.vars.UPSTREAM_URL) say("UPSTREAM_URL is unset: the built-in mock upstream answers");

  // fd 3: workerd reports each socket it listens on, so "serving" is printed only once it does.
  const child = spawn(prepared.workerd, [...prepared.args, "--control-fd=3"], {
    env: { ...process.env, ...prepared.env },
    stdio: ["ignore", "inherit", "inherit", "pipe"],
  });
  createInterface({ input: child.stdio[3] as Readable }).on("line", (line) => {
    try {
      const message = JSON.parse(line) as { event?: string; socket?: string };
      if (message.event === "listen" && message.socket === "http") say(`serving on ${prepared.url}, Durable Objects in ${prepared.stateDir}`);
    } catch {
      // not a control message
    }
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
  return await new Promise<number>((done) => {
    child.on("error", (error) => {
      process.stderr.write(`selfhost: workerd did not start: ${error.message}\n`);
      done(1);
    });
    child.on("exit", (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

process.exitCode = await main();
