/**
 * The pure half of `npm run selfhost`: its command line, and the workerd configuration (Cap'n Proto
 * text) it generates from wrangler.toml. Runtime-free and free of I/O, so unit tests check both.
 *
 * Var values never appear in the generated file: each string var is a `fromEnvironment` binding
 * read from workerd's environment, so secrets given with `--var` or `--env-file` are not written to
 * disk, and no value needs escaping for Cap'n Proto.
 */

export class UsageError extends Error {}

/** Where the state goes when `--state` is not given (relative to the directory npm runs in). */
export const DEFAULT_STATE_DIR = ".selfhost";
export const DEFAULT_IP = "127.0.0.1";
/** Prefix of the environment variables that carry var values to workerd. */
export const VAR_ENV_PREFIX = "DISTILL_GUARD_VAR_";

export interface SelfhostArgs {
  port: number;
  ip: string;
  state: string;
  /** a wrangler environment (`[env.NAME]`), as `wrangler dev --env` */
  env?: string;
  /** dotenv files, later ones overriding earlier ones, as `wrangler dev --env-file` */
  envFiles: string[];
  /** `--var K:V` pairs in order: a later one for the same name wins */
  vars: [string, string][];
  /** PEM file of a private CA the upstream's certificate chains to */
  upstreamCa?: string;
}

export const USAGE = `usage: npm run selfhost -- --port PORT [--state DIR] [--var K:V ...] [--env-file FILE] [--env NAME] [--ip ADDR] [--upstream-ca PEM]
  --port PORT         listen on ADDR:PORT (required)
  --state DIR         Durable Object storage (SQLite files); default ${DEFAULT_STATE_DIR}
  --var K:V           a var over wrangler.toml's [vars], as \`npm run dev -- --var K:V\` (repeatable)
  --env-file FILE     KEY=VALUE lines (dotenv), for secrets kept out of the process list (repeatable)
  --env NAME          take the vars of wrangler.toml's [env.NAME] instead of [vars]
  --ip ADDR           listen address; default ${DEFAULT_IP}
  --upstream-ca PEM   also trust this CA for an https UPSTREAM_URL`;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One `--var` value, split at its first colon as wrangler does (so URLs keep theirs). */
export function parseVar(raw: string): [string, string] {
  const colon = raw.indexOf(":");
  const name = colon < 0 ? raw : raw.slice(0, colon);
  if (colon < 0 || !NAME.test(name)) throw new UsageError(`--var takes NAME:VALUE, got ${JSON.stringify(raw)}`);
  return [name, raw.slice(colon + 1)];
}

/**
 * `--var` takes several values as wrangler's does (`--var A:1 B:2`) or one per flag; `--name=value`
 * works for every option.
 */
export function parseSelfhostArgs(argv: readonly string[]): SelfhostArgs {
  const args: Partial<SelfhostArgs> & { envFiles: string[]; vars: [string, string][] } = { envFiles: [], vars: [] };
  const single = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const values: string[] = [];
    if (eq >= 0) values.push(arg.slice(eq + 1));
    else if (flag === "--var") while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) values.push(argv[++i]!);
    else if (argv[i + 1] !== undefined && flag !== "--help") values.push(argv[++i]!);
    if (flag === "--help") throw new UsageError(USAGE);
    if (values.length === 0) throw new UsageError(`${flag} needs a value`);
    switch (flag) {
      case "--var":
        for (const v of values) args.vars.push(parseVar(v));
        break;
      case "--env-file":
        args.envFiles.push(values[0]!);
        break;
      case "--port":
      case "--state":
      case "--env":
      case "--ip":
      case "--upstream-ca":
        single.set(flag, values[0]!);
        break;
      default:
        throw new UsageError(`unknown option ${flag}\n${USAGE}`);
    }
  }
  const port = Number(single.get("--port"));
  if (!single.has("--port") || !Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port takes a TCP port (1-65535)\n${USAGE}`);
  const out: SelfhostArgs = { port, ip: single.get("--ip") ?? DEFAULT_IP, state: single.get("--state") ?? DEFAULT_STATE_DIR, envFiles: args.envFiles, vars: args.vars };
  if (single.has("--env")) out.env = single.get("--env")!;
  if (single.has("--upstream-ca")) out.upstreamCa = single.get("--upstream-ca")!;
  return out;
}

/** A Cap'n Proto text literal: printable ASCII as is, every other byte as `\xNN` (UTF-8 survives). */
export function capnpString(text: string): string {
  let out = '"';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (byte >= 0x20 && byte < 0x7f) out += c;
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

export interface WorkerdPlan {
  /** the listen address, host:port (an IPv6 host in brackets) */
  address: string;
  /** absolute path of the Durable Objects' directory */
  stateDir: string;
  /** the bundled Worker, relative to the config file */
  module: string;
  compatibilityDate: string;
  compatibilityFlags: readonly string[];
  /** binding name to Durable Object class, from wrangler.toml */
  durableObjects: readonly { name: string; className: string }[];
  /** the Worker's name in wrangler.toml, for stable namespace keys */
  workerName: string;
  /** every var: strings travel through the environment, other TOML values (tables, numbers) as JSON */
  vars: Readonly<Record<string, unknown>>;
  /** PEM text of an extra CA, relative to the config file */
  upstreamCa?: string;
}

/** The environment workerd needs to fill the `fromEnvironment` bindings of `workerdConfig`. */
export function varEnvironment(vars: Readonly<Record<string, unknown>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) if (typeof value === "string") env[VAR_ENV_PREFIX + name] = value;
  return env;
}

/**
 * The config of one workerd process: the Worker on a socket, its Durable Objects SQLite-backed on
 * local disk, and an outbound network that reaches private and loopback addresses too (the
 * upstream of an on-premises deployment usually is one).
 */
export function workerdConfig(plan: WorkerdPlan): string {
  for (const name of [...Object.keys(plan.vars), ...plan.durableObjects.flatMap((d) => [d.name, d.className])]) {
    if (!NAME.test(name)) throw new UsageError(`not a binding name: ${JSON.stringify(name)}`);
  }
  const bindings = Object.entries(plan.vars).map(([name, value]) =>
    typeof value === "string" ? `(name = "${name}", fromEnvironment = "${VAR_ENV_PREFIX}${name}")` : `(name = "${name}", json = ${capnpString(JSON.stringify(value))})`,
  );
  for (const d of plan.durableObjects) bindings.push(`(name = "${d.name}", durableObjectNamespace = "${d.className}")`);
  // Namespace keys derive object ids: they must never change, or stored objects are orphaned.
  const classes = [...new Set(plan.durableObjects.map((d) => d.className))].map((c) => `(className = "${c}", uniqueKey = ${capnpString(`${plan.workerName}-${c}`)}, enableSql = true)`);
  const trusted = plan.upstreamCa ? `, trustedCertificates = [embed ${capnpString(plan.upstreamCa)}]` : "";
  const list = (items: string[]) => items.map((x) => `\n    ${x},`).join("");
  return `# Generated by \`npm run selfhost\` from wrangler.toml; regenerated at every start.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "guard", worker = .guard),
    (name = "state", disk = (path = ${capnpString(plan.stateDir)}, writable = true)),
    (name = "upstream", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true${trusted}))),
  ],
  sockets = [(name = "http", address = ${capnpString(plan.address)}, http = (), service = "guard")],
);

const guard :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed ${capnpString(plan.module)})],
  compatibilityDate = ${capnpString(plan.compatibilityDate)},
  compatibilityFlags = [${plan.compatibilityFlags.map(capnpString).join(", ")}],
  bindings = [${list(bindings)}
  ],
  durableObjectNamespaces = [${list(classes)}
  ],
  durableObjectStorage = (localDisk = "state"),
  globalOutbound = "upstream",
);
`;
}
