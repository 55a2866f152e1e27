/**
 * The built-in mock LLM that answers when `UPSTREAM_URL` is unset, so `npm run dev` works alone and
 * the `openai` / `@anthropic-ai/sdk` clients can be pointed at the guard offline. It speaks the four
 * inspected APIs in their real response shapes, streaming included, and `GET /v1/models`.
 *
 * The answer is short and deterministic: it states how many characters and user turns the prompt
 * had and never echoes the prompt (the mock must not become a way to see what the guard was sent).
 * Completion "tokens" are the answer's words, so `max_tokens` truncates it and reports
 * `length` / `max_tokens`, which lets tests exercise output budgets.
 */
import type { ParsedRequest } from "../../core/types";
import { errorResponse, GuardError } from "../errors";
import { errorShapeForPath, formatForPath, parseBody } from "../formats";
import { isObject } from "../formats/fields";
import { ANTHROPIC_MODEL, compose, OPENAI_MODEL, randomId, type SseEvent } from "./answer";
import { anthropicEvents, anthropicMessage, chatCompletion, chatEvents, completionEvents, includeUsage, responseEvents, responseObject, textCompletion } from "./shapes";

export interface MockUpstreamOptions {
  /** Pause between server-sent events, so a stream really arrives over time. */
  chunkDelayMs?: number;
  /** Words in the answer (before `max_tokens`), for long answers; unset: one short sentence. */
  answerWords?: number;
}

/** In test mode, `x-guard-test-answer-words: N` asks the mock for an answer of N words (tests of token limits). */
export function testOptions(headers: Headers): MockUpstreamOptions {
  const words = Number(headers.get("x-guard-test-answer-words") ?? "");
  return Number.isSafeInteger(words) && words > 0 ? { answerWords: words } : {};
}

const DEFAULT_CHUNK_DELAY_MS = 5;
/** A fixed, plausible creation time for the listed models (2026-01-01T00:00:00Z). */
const MODELS_CREATED = 1767225600;

export function mockUpstream(request: Request, body: unknown, parsed: ParsedRequest | null, options: MockUpstreamOptions = {}): Response {
  const path = new URL(request.url).pathname;
  if (path === "/v1/models") {
    if (request.method !== "GET") return errorResponse(GuardError.methodNotAllowed("GET"), "openai");
    return modelList(request);
  }
  const format = formatForPath(path);
  if (format === null) return errorResponse(GuardError.notFound(request.method, path), "openai");
  const shape = errorShapeForPath(path);
  if (request.method !== "POST") return errorResponse(GuardError.methodNotAllowed(), shape);

  let req: ParsedRequest;
  try {
    req = parsed !== null && parsed.format === format ? parsed : parseBody(format, body);
  } catch (err) {
    if (err instanceof GuardError) return errorResponse(err, shape);
    throw err;
  }
  const raw = isObject(body) ? body : {};
  const answer = compose(format, req, options.answerWords);
  const delay = options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS;
  switch (format) {
    case "openai-chat":
      return req.params.stream ? sse(chatEvents(answer, includeUsage(raw)), delay) : json(chatCompletion(answer));
    case "openai-completions":
      return req.params.stream ? sse(completionEvents(answer, includeUsage(raw)), delay) : json(textCompletion(answer));
    case "openai-responses":
      return req.params.stream ? sse(responseEvents(answer, raw), delay) : json(responseObject(answer, raw, "completed"));
    case "anthropic-messages":
      return req.params.stream ? sse(anthropicEvents(answer), delay, "anthropic") : json(anthropicMessage(answer), "anthropic");
  }
}

// ---------------------------------------------------------------------------------------------
// The answer, shared by every format

// ---------------------------------------------------------------------------------------------
// Models

function modelList(request: Request): Response {
  // The Anthropic SDK always sends anthropic-version; its list shape differs from OpenAI's.
  if (request.headers.has("anthropic-version")) {
    const data = [ANTHROPIC_MODEL].map((id) => ({
      type: "model",
      id,
      display_name: "Mock Claude",
      created_at: new Date(MODELS_CREATED * 1000).toISOString(),
    }));
    return json({ data, has_more: false, first_id: data[0]!.id, last_id: data[data.length - 1]!.id }, "anthropic");
  }
  const data = [OPENAI_MODEL, ANTHROPIC_MODEL].map((id) => ({
    id,
    object: "model",
    created: MODELS_CREATED,
    owned_by: "distill-guard",
  }));
  return json({ object: "list", data });
}

// ---------------------------------------------------------------------------------------------
// Transport

type Flavour = "openai" | "anthropic";

/** The request-id header each SDK reads into its responses (`_request_id`). */
function requestIdHeader(flavour: Flavour): [string, string] {
  return [flavour === "anthropic" ? "request-id" : "x-request-id", randomId("req_")];
}

function json(value: unknown, flavour: Flavour = "openai"): Response {
  return new Response(JSON.stringify(value), {
    headers: [["content-type", "application/json"], requestIdHeader(flavour)],
  });
}

/** Server-sent events, one event per chunk, paced by `delayMs`: a real stream, not a buffered string. */
function sse(events: SseEvent[], delayMs: number, flavour: Flavour = "openai"): Response {
  const encoder = new TextEncoder();
  let next = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next > 0 && delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const { event, data } = events[next++]!;
      controller.enqueue(encoder.encode(`${event !== undefined ? `event: ${event}\n` : ""}data: ${data}\n\n`));
      if (next === events.length) controller.close();
    },
  });
  return new Response(stream, {
    headers: [["content-type", "text/event-stream; charset=utf-8"], ["cache-control", "no-cache"], requestIdHeader(flavour)],
  });
}
