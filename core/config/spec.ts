/**
 * How one setting is described: its type, default, bounds and documentation. Shared by the plain
 * vars (core/config.ts) and the fields of the DETECTION_POLICY preset (detection-policy.ts), so both
 * are validated and documented the same way.
 */

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Kind = "int" | "number" | "bool" | "string" | "enum";

export interface Spec<T> {
  kind: Kind;
  default: T;
  doc: string;
  min?: number;
  max?: number;
  values?: readonly string[];
  secret?: boolean;
}

export const int = (def: number, doc: string, min = 0, max = Number.MAX_SAFE_INTEGER): Spec<number> => ({ kind: "int", default: def, doc, min, max });
export const num = (def: number, doc: string, min = 0, max = Number.MAX_VALUE): Spec<number> => ({ kind: "number", default: def, doc, min, max });
export const bool = (def: boolean, doc: string): Spec<boolean> => ({ kind: "bool", default: def, doc });
export const str = (def: string, doc: string, secret = false): Spec<string> => ({ kind: "string", default: def, doc, secret });
export const oneOf = <V extends string>(values: readonly V[], def: V, doc: string): Spec<V> => ({ kind: "enum", default: def, doc, values });

export type SpecValue<S> = S extends Spec<infer T> ? T : never;

/** Checks a number against its spec; `name` is how the error names the setting. */
export function checkNumber(name: string, spec: Spec<unknown>, n: number, shown: string): number {
  if (!Number.isFinite(n) || (spec.kind === "int" && !Number.isSafeInteger(n))) {
    throw new ConfigError(`${name} must be ${spec.kind === "int" ? "an integer" : "a number"}, got ${shown}`);
  }
  if (n < spec.min! || n > spec.max!) throw new ConfigError(`${name} must be between ${spec.min} and ${spec.max}, got ${n}`);
  return n;
}

/** A default as the README shows it. */
export function shownDefault(s: Spec<unknown>): string {
  return s.default === "" ? "unset" : `\`${String(s.default)}\``;
}
