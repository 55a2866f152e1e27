/**
 * A small `--flag value` parser shared by the eval and scenario commands (no dependency for two CLIs).
 */

export class UsageError extends Error {}

export interface FlagSpec {
  /** takes a value (`--out DIR`) or is a switch (`--verbose`) */
  value: boolean;
  /** may be given several times (`--var A=1 --var B=2`) */
  repeat?: boolean;
}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string[]>;
}

export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const flag = spec[name];
    if (!flag) throw new UsageError(`unknown option --${name}`);
    let value = "true";
    if (flag.value) {
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw new UsageError(`--${name} needs a value`);
    } else if (eq > 0) {
      throw new UsageError(`--${name} takes no value`);
    }
    const values = flags.get(name) ?? [];
    if (values.length > 0 && !flag.repeat) throw new UsageError(`--${name} given twice`);
    values.push(value);
    flags.set(name, values);
  }
  return { positional, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.[0];
}

export function numberFlag(args: ParsedArgs, name: string, fallback: number, check: (n: number) => boolean = Number.isFinite): number {
  const raw = stringFlag(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === "" || !check(n)) throw new UsageError(`--${name}: invalid number ${JSON.stringify(raw)}`);
  return n;
}

export function switchFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.has(name);
}
