/**
 * Turns a line and the guard's answer into a verdict record, reading the guard's test-mode
 * `x-guard-debug` header: {"action":"allow"|"throttle"|"block","cause":"none"|"rate"|"extraction"|"override"|"error","reasons":[…]}.
 */
import { createHash } from "node:crypto";
import type { GuardAnswer } from "./http";
import type { Action, Cause, Verdict } from "./metrics";
import { promptText } from "./prompt";
import type { IndexedLine } from "./scenario";

const ACTIONS: readonly string[] = ["allow", "throttle", "block"];
const CAUSES: readonly string[] = ["none", "rate", "extraction", "override", "error"];

export interface DebugInfo {
  action: Action;
  cause: Cause;
  reasons: string[];
}

/** The parsed header, or undefined when it is absent or not the documented shape. */
export function parseDebugHeader(raw: string | undefined): DebugInfo | undefined {
  if (raw === undefined || raw === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { action, cause, reasons } = value as Record<string, unknown>;
  if (typeof action !== "string" || !ACTIONS.includes(action)) return undefined;
  return {
    action: action as Action,
    cause: typeof cause === "string" && CAUSES.includes(cause) ? (cause as Cause) : "unknown",
    reasons: Array.isArray(reasons) ? reasons.filter((r): r is string => typeof r === "string") : [],
  };
}

/** Without the header, only the status speaks: a refusal's cause is then unknown. */
function causeFromStatus(status: number): Cause {
  if (status >= 200 && status < 300) return "none";
  if (status === 0) return "error";
  return "unknown";
}

export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

export function toVerdict(line: IndexedLine, answer: GuardAnswer, keyId: (key: string) => string): Verdict {
  const debug = parseDebugHeader(answer.debug);
  const verdict: Verdict = {
    index: line.index,
    t: line.t,
    key: line.key === undefined ? "" : keyId(line.key),
    actor: line.actor,
    label: line.label,
    status: answer.status,
    cause: debug?.cause ?? causeFromStatus(answer.status),
    reasons: debug?.reasons ?? (answer.error !== undefined ? [`transport: ${answer.error}`] : []),
    prompt: shortHash(promptText(line.path, line.body)),
    latencyMs: Math.round(answer.latencyMs * 1000) / 1000,
  };
  if (debug) verdict.action = debug.action;
  return verdict;
}
