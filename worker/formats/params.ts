/**
 * Generation parameters of a request (`RequestParams`). Each format is read only through the fields
 * its API defines, so a field another API would honour cannot skew the reading (an Anthropic body
 * with `n: 50` still asks for one answer).
 */
import type { ApiFormat, RequestParams } from "../../core/types";
import { field, invalidType, optionalNumber, optionalObject, optionalString, type JsonObject } from "./fields";

/** Responses API: the `include` value that asks for token logprobs. */
const RESPONSES_LOGPROBS = "message.output_text.logprobs";

export function readParams(format: ApiFormat, body: JsonObject): RequestParams {
  const openai = format !== "anthropic-messages";
  return {
    model: optionalString(body, "model") ?? "",
    stream: field(body, "stream") === true,
    maxTokens: maxTokens(format, body),
    temperature: optionalNumber(body, "temperature"),
    logprobs: openai && wantsLogprobs(format, body),
    n: format === "openai-chat" || format === "openai-completions" ? choices(body) : 1,
    endUser: endUser(openai, body),
  };
}

function maxTokens(format: ApiFormat, body: JsonObject): number | undefined {
  switch (format) {
    case "openai-chat":
      // max_tokens is the deprecated spelling; the API accepts either.
      return optionalNumber(body, "max_completion_tokens") ?? optionalNumber(body, "max_tokens");
    case "openai-completions":
    case "anthropic-messages":
      return optionalNumber(body, "max_tokens");
    case "openai-responses":
      return optionalNumber(body, "max_output_tokens");
  }
}

/** `logprobs: true` (chat) or a count (legacy completions), `top_logprobs > 0`, or the Responses include. */
function wantsLogprobs(format: ApiFormat, body: JsonObject): boolean {
  const logprobs = field(body, "logprobs");
  let wanted = false;
  if (logprobs === true || (typeof logprobs === "number" && Number.isFinite(logprobs))) wanted = true;
  else if (logprobs !== undefined && logprobs !== null && logprobs !== false) {
    throw invalidType("logprobs", "a boolean or a number", logprobs);
  }
  const top = optionalNumber(body, "top_logprobs");
  if (top !== undefined && top > 0) wanted = true;
  if (format === "openai-responses") {
    const include = field(body, "include");
    if (Array.isArray(include) && include.includes(RESPONSES_LOGPROBS)) wanted = true;
  }
  return wanted;
}

/** `n`, 1 when absent. Out-of-range values are the upstream's to refuse; here they read as 1. */
function choices(body: JsonObject): number {
  const n = optionalNumber(body, "n");
  return n !== undefined && n >= 1 ? Math.floor(n) : 1;
}

/** OpenAI: `safety_identifier` (the current field) before `user` (its deprecated predecessor). */
function endUser(openai: boolean, body: JsonObject): string | undefined {
  let id: string | undefined;
  if (openai) id = optionalString(body, "safety_identifier") ?? optionalString(body, "user");
  else {
    const metadata = optionalObject(body, "metadata");
    id = metadata && optionalString(metadata, "user_id", "metadata.user_id");
  }
  return id === "" ? undefined : id;
}
