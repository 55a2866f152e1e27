/**
 * Operator request bodies for overrides and lifts, validated strictly: a typo must answer 400, not
 * silently set something else.
 */
import type { LimitOverrides, Override } from "../core/override";
import { GuardError } from "./errors";

const MAX_REASON = 500;
const LIMIT_KEYS = ["requests", "tokens", "distinctPrompts"] as const;

type Json = Record<string, unknown>;

export async function jsonBody(req: Request, optional = false): Promise<Json> {
  const text = await req.text();
  if (optional && text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw GuardError.badRequest("invalid_json", "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw GuardError.badRequest("invalid_body", "Send a JSON object.");
  return value as Json;
}

function reasonOf(body: Json, required: boolean): string {
  const r = body.reason;
  if (r === undefined && !required) return "";
  if (typeof r !== "string" || r.trim() === "" || r.length > MAX_REASON) {
    throw GuardError.badRequest("invalid_reason", `\`reason\` must be a non-empty string of at most ${MAX_REASON} characters.`, "reason");
  }
  return r.trim();
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) throw GuardError.badRequest("invalid_value", `\`${name}\` must be a positive integer.`, name);
  return v;
}

function untilOf(body: Json, now: number): number | null {
  if (body.until !== undefined && body.ttlS !== undefined) throw GuardError.badRequest("invalid_value", "Give `until` or `ttlS`, not both.", "until");
  if (body.ttlS !== undefined) return now + positiveInt(body.ttlS, "ttlS") * 1000;
  if (body.until === undefined || body.until === null) return null;
  const until = positiveInt(body.until, "until");
  if (until <= now) throw GuardError.badRequest("invalid_value", "`until` (ms since the Unix epoch) must be in the future.", "until");
  return until;
}

const KNOWN = new Set(["list", "limits", "reason", "until", "ttlS"]);

/** `{"list": "allow"|"deny"|"shadow", "limits": {…}, "reason": "…", "until": ms | "ttlS": s}`; limits only for accounts. */
export function parseOverride(body: Json, now: number, kind: "account" | "fingerprint"): Override {
  for (const k of Object.keys(body)) if (!KNOWN.has(k)) throw GuardError.badRequest("unknown_field", `Unknown field \`${k}\`.`, k);
  const list = body.list ?? null;
  if (list !== null && list !== "allow" && list !== "deny" && list !== "shadow") throw GuardError.badRequest("invalid_value", '`list` must be "allow", "deny", "shadow" or null.', "list");
  const limits: LimitOverrides = {};
  if (body.limits !== undefined && body.limits !== null) {
    if (kind === "fingerprint") throw GuardError.badRequest("invalid_value", "Limits are per account; a fingerprint takes only `list`.", "limits");
    if (typeof body.limits !== "object" || Array.isArray(body.limits)) throw GuardError.badRequest("invalid_value", "`limits` must be an object.", "limits");
    for (const [k, v] of Object.entries(body.limits as Json)) {
      if (!(LIMIT_KEYS as readonly string[]).includes(k)) throw GuardError.badRequest("unknown_field", `Unknown limit \`${k}\` (known: ${LIMIT_KEYS.join(", ")}).`, "limits");
      limits[k as keyof LimitOverrides] = positiveInt(v, `limits.${k}`);
    }
  }
  if (list === null && Object.keys(limits).length === 0) throw GuardError.badRequest("invalid_value", "Set `list`, `limits`, or both.", "list");
  return { list, limits, reason: reasonOf(body, true), until: untilOf(body, now), setAt: now };
}

/** `{"reason": "…", "graceS": s}`: seconds before the subject is judged again (default: its window). */
export function parseLift(body: Json, defaultGraceS: number): { reason: string; graceS: number } {
  let graceS = defaultGraceS;
  if (body.graceS !== undefined) {
    if (typeof body.graceS !== "number" || !Number.isSafeInteger(body.graceS) || body.graceS < 0) throw GuardError.badRequest("invalid_value", "`graceS` must be a non-negative integer.", "graceS");
    graceS = body.graceS;
  }
  return { reason: reasonOf(body, true), graceS };
}

export function optionalReason(body: Json): string {
  return reasonOf(body, false);
}
