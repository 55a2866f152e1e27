/**
 * Prepares a self-hosted guard: reads wrangler.toml (through wrangler's own reader, so `[vars]`,
 * `[env.NAME]` and tables mean what they mean to `wrangler dev`), merges the operator's vars,
 * validates them with the Worker's own config parser, bundles the Worker with esbuild and writes
 * the workerd config next to the state. Nothing here touches the network; scripts/selfhost.ts then
 * runs workerd on the result.
 */
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { ConfigError, parseConfig } from "../core/config";
import { type SelfhostArgs, UsageError, varEnvironment, workerdConfig } from "./selfhost-config";

/** Off Cloudflare's edge nobody sets CF-Connecting-IP, so a client could: trust no header unless told. */
const SELFHOST_DEFAULTS: Record<string, string> = { CLIENT_IP_HEADER: "" };

/** The `workerd` package (CommonJS, untyped) exports the path of the platform's binary as `default`. */
const workerdBinary = (createRequire(import.meta.url)("workerd") as { default: string }).default;

export interface Prepared {
  /** the workerd binary from the `workerd` package */
  workerd: string;
  /** `workerd serve` arguments, without the control fd */
  args: string[];
  /** environment additions that carry the var values */
  env: Record<string, string>;
  url: string;
  stateDir: string;
  vars: Record<string, unknown>;
}

interface WranglerConfig {
  name?: string;
  main?: string;
  compatibility_date?: string;
  compatibility_flags: string[];
  vars: Record<string, unknown>;
  durable_objects: { bindings: { name: string; class_name: string; script_name?: string }[] };
}

async function readWranglerConfig(root: string, env: string | undefined): Promise<WranglerConfig> {
  // Imported lazily: wrangler is a large module, and only its config reader is used (no network).
  const wrangler = (await import("wrangler")) as unknown as {
    unstable_readConfig(args: { config: string; env?: string }, options: { hideWarnings: boolean }): WranglerConfig;
  };
  return wrangler.unstable_readConfig({ config: join(root, "wrangler.toml"), ...(env ? { env } : {}) }, { hideWarnings: true });
}

/** wrangler.toml's vars, then each env file, then each `--var`: later wins, as with `wrangler dev`. */
export function mergeVars(toml: Record<string, unknown>, envFiles: readonly string[], cli: readonly [string, string][]): Record<string, unknown> {
  const vars: Record<string, unknown> = { ...SELFHOST_DEFAULTS, ...toml };
  for (const file of envFiles) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new UsageError(`--env-file ${file}: ${(error as Error).message}`);
    }
    for (const [name, value] of Object.entries(parseEnv(text))) if (value !== undefined) vars[name] = value;
  }
  for (const [name, value] of cli) vars[name] = value;
  return vars;
}

export async function prepareSelfhost(root: string, args: SelfhostArgs): Promise<Prepared> {
  const config = await readWranglerConfig(root, args.env);
  const vars = mergeVars(config.vars, args.envFiles, args.vars);
  // The Worker refuses these bindings when it loads too; checking here first names the var before
  // anything starts, with the same messages.
  try {
    parseConfig(vars);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`refused: ${error.message}`);
    throw error;
  }
  if (!config.compatibility_date) throw new UsageError("wrangler.toml has no compatibility_date");
  const external = config.durable_objects.bindings.filter((b) => b.script_name);
  if (external.length) throw new UsageError(`Durable Objects of other Workers cannot be served here: ${external.map((b) => b.name).join(", ")}`);

  const stateDir = resolve(args.state);
  const runtime = join(stateDir, "workerd");
  mkdirSync(runtime, { recursive: true });
  // wrangler's defaults for a Worker: ESM for workerd's export conditions, HTML imported as text.
  await build({
    entryPoints: [config.main ?? join(root, "worker", "index.ts")],
    outfile: join(runtime, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*"],
    loader: { ".html": "text" },
    keepNames: true,
    logLevel: "warning",
  });
  if (args.upstreamCa) copyFileSync(args.upstreamCa, join(runtime, "upstream-ca.pem"));
  const host = args.ip.includes(":") ? `[${args.ip}]` : args.ip;
  const text = workerdConfig({
    address: `${host}:${args.port}`,
    stateDir,
    module: "worker.js",
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    durableObjects: config.durable_objects.bindings.map((b) => ({ name: b.name, className: b.class_name })),
    workerName: config.name ?? "worker",
    vars,
    ...(args.upstreamCa ? { upstreamCa: "upstream-ca.pem" } : {}),
  });
  const configFile = join(runtime, "config.capnp");
  writeFileSync(configFile, text);
  return { workerd: workerdBinary, args: ["serve", configFile, "config"], env: varEnvironment(vars), url: `http://${host}:${args.port}`, stateDir, vars };
}
