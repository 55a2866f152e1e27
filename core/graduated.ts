/**
 * The graduated answer to a suspected-but-unproven subject: its request is served, but made less
 * worth harvesting, and nothing in the answer says so (a refusal would tell a campaign which of its
 * keys to retire). SUSPECT_RESPONSE lists the measures, SUSPECT_SCORE says who is suspect.
 *
 * - `cap_max_tokens:N`: the answer's length is capped at N tokens (each format's own field);
 * - `strip_logprobs`: logprobs / top_logprobs are not asked of the upstream;
 * - `strip_reasoning`: reasoning or thinking output is not asked for (Anthropic `thinking`,
 *   OpenAI Responses `reasoning.summary`, `include` of reasoning content).
 */
import { ConfigError } from "./config/spec";
import type { ApiFormat } from "./types";

export interface Measures {
  capMaxTokens: number | null;
  stripLogprobs: boolean;
  stripReasoning: boolean;
}

export const NO_MEASURES: Measures = { capMaxTokens: null, stripLogprobs: false, stripReasoning: false };

/** Parses SUSPECT_RESPONSE; throws with the offending item, for a startup error. */
export function parseMeasures(raw: string): Measures {
  const m: Measures = { ...NO_MEASURES };
  for (const item of raw
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "" && x !== "none")) {
    const cap = /^cap_max_tokens:(\d+)$/.exec(item);
    if (cap && Number(cap[1]) >= 1) m.capMaxTokens = Number(cap[1]);
    else if (item === "strip_logprobs") m.stripLogprobs = true;
    else if (item === "strip_reasoning") m.stripReasoning = true;
    else throw new ConfigError(`SUSPECT_RESPONSE has an unknown measure ${JSON.stringify(item)}; known: cap_max_tokens:N, strip_logprobs, strip_reasoning, none`);
  }
  return m;
}

const MAX_TOKEN_FIELDS: Record<ApiFormat, string[]> = {
  "openai-chat": ["max_completion_tokens", "max_tokens"],
  "openai-completions": ["max_tokens"],
  "openai-responses": ["max_output_tokens"],
  "anthropic-messages": ["max_tokens"],
};

type Json = Record<string, unknown>;

/** The body with the measures applied, or null when none changes it (then it is forwarded as sent). */
export function soften(format: ApiFormat, body: unknown, m: Measures): Json | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const out: Json = { ...(body as Json) };
  let changed = false;
  if (m.capMaxTokens !== null) {
    const fields = MAX_TOKEN_FIELDS[format];
    let present = false;
    for (const f of fields) {
      const v = out[f];
      if (typeof v !== "number") continue;
      present = true;
      if (v > m.capMaxTokens) {
        out[f] = m.capMaxTokens;
        changed = true;
      }
    }
    // OpenAI formats default to the model's whole output budget when the field is absent.
    if (!present && format !== "anthropic-messages") {
      out[fields[0]!] = m.capMaxTokens;
      changed = true;
    }
    // Anthropic refuses a thinking budget at or above max_tokens: a capped answer thinks less, or not at all.
    const thinking = out.thinking as { budget_tokens?: unknown } | undefined;
    if (changed && typeof thinking?.budget_tokens === "number" && thinking.budget_tokens >= m.capMaxTokens) delete out.thinking;
  }
  if (m.stripLogprobs) {
    for (const f of ["logprobs", "top_logprobs"]) {
      if (f in out) {
        delete out[f];
        changed = true;
      }
    }
  }
  if (m.stripReasoning) {
    if ("thinking" in out) {
      delete out.thinking;
      changed = true;
    }
    const reasoning = out.reasoning;
    if (typeof reasoning === "object" && reasoning !== null && "summary" in reasoning) {
      const { summary: _, ...rest } = reasoning as Json;
      out.reasoning = rest;
      changed = true;
    }
    if (Array.isArray(out.include)) {
      const kept = out.include.filter((x) => typeof x !== "string" || !x.startsWith("reasoning"));
      if (kept.length !== out.include.length) {
        out.include = kept;
        changed = true;
      }
    }
  }
  return changed ? out : null;
}
