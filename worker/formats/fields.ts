/**
 * Typed reads of fields from a parsed JSON body. A known field of the wrong type is a 400 (the
 * upstream would refuse it too, and a guessed coercion could let a request read differently here
 * than upstream); `null` counts as absent, as the OpenAI and Anthropic APIs treat it.
 */
import { GuardError } from "../errors";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Own properties only: inherited names such as `constructor` are never body fields. */
export function field(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "object":
      return "an object";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    default:
      return typeof value;
  }
}

export function missing(param: string): GuardError {
  return GuardError.badRequest("missing_required_parameter", `Missing required parameter: '${param}'.`, param);
}

export function invalidType(param: string, expected: string, got: unknown): GuardError {
  return GuardError.badRequest("invalid_type", `Invalid type for '${param}': expected ${expected}, but got ${describe(got)}.`, param);
}

export function optionalString(obj: JsonObject, key: string, param = key): string | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidType(param, "a string", value);
  return value;
}

export function optionalNumber(obj: JsonObject, key: string, param = key): number | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalidType(param, "a number", value);
  return value;
}

export function optionalObject(obj: JsonObject, key: string, param = key): JsonObject | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalidType(param, "an object", value);
  return value;
}

/** A required array field (`messages`): absent → missing, anything else → invalid type. */
export function requiredArray(obj: JsonObject, key: string, expected: string): unknown[] {
  const value = field(obj, key);
  if (value === undefined || value === null) throw missing(key);
  if (!Array.isArray(value)) throw invalidType(key, expected, value);
  return value;
}

/** The `role` of message `at`, which every message must have. */
export function requiredRole(message: JsonObject, at: string): string {
  const role = field(message, "role");
  if (role === undefined || role === null) throw missing(`${at}.role`);
  if (typeof role !== "string") throw invalidType(`${at}.role`, "a string", role);
  return role;
}

/**
 * The `text` of a text part/block `at`. Parts of other kinds are never looked into, which keeps the
 * walk to the fixed depth the formats define however deep an unknown part nests.
 */
export function partText(part: JsonObject, at: string): string {
  const text = field(part, "text");
  if (typeof text !== "string") {
    if (text === undefined || text === null) throw missing(`${at}.text`);
    throw invalidType(`${at}.text`, "a string", text);
  }
  return text;
}

/** Text pieces are joined with a newline so adjacent words from separate parts never fuse. */
export const JOIN = "\n";
