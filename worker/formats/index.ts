/**
 * Which format a path speaks, and the one entry point that turns a parsed JSON body into a
 * `ParsedRequest`. All work is a single pass over the fields each format defines, to a fixed
 * depth, so it is linear in the body's size; unknown fields are only counted into `shapeKeys`.
 */
import type { ApiFormat, ErrorShape, ParsedRequest, PromptInput } from "../../core/types";
import { GuardError } from "../errors";
import { messagesPrompt } from "./anthropic";
import { isObject, type JsonObject } from "./fields";
import { chatPrompt, completionsPrompt, responsesPrompt } from "./openai";
import { readParams } from "./params";

const FORMAT_BY_PATH: ReadonlyMap<string, ApiFormat> = new Map([
  ["/v1/chat/completions", "openai-chat"],
  ["/v1/completions", "openai-completions"],
  ["/v1/responses", "openai-responses"],
  ["/v1/messages", "anthropic-messages"],
]);

/** The inspected format of a URL path (exact match, no query), or null for a path that is only forwarded. */
export function formatForPath(path: string): ApiFormat | null {
  return FORMAT_BY_PATH.get(path) ?? null;
}

/** `/v1/messages` answers errors in Anthropic's shape; every other path (inspected or not) in OpenAI's. */
export function errorShapeForPath(path: string): ErrorShape {
  return path === "/v1/messages" ? "anthropic" : "openai";
}

const PROMPT_READERS: Record<ApiFormat, (body: JsonObject) => PromptInput> = {
  "openai-chat": chatPrompt,
  "openai-completions": completionsPrompt,
  "openai-responses": responsesPrompt,
  "anthropic-messages": messagesPrompt,
};

/**
 * Validates and reads a request body of `format`. Throws a 400 `GuardError` when the body is not a
 * JSON object, a required field is missing, or a field this parser reads has the wrong type.
 */
export function parseBody(format: ApiFormat, body: unknown): ParsedRequest {
  if (!isObject(body)) {
    throw GuardError.badRequest("invalid_body", "The request body must be a JSON object.");
  }
  return {
    format,
    prompt: PROMPT_READERS[format](body),
    params: readParams(format, body),
    shapeKeys: Object.keys(body).sort().join(","),
  };
}
