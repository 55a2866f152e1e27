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
import type { ApiFormat, ParsedRequest } from "../core/types";
import { errorResponse, GuardError } from "./errors";
import { errorShapeForPath, formatForPath, parseBody } from "./formats";
import { field, isObject } from "./formats/fields";

export interface MockUpstreamOptions {
  /** Pause between server-sent events, so a stream really arrives over time. */
  chunkDelayMs?: number;
}

const DEFAULT_CHUNK_DELAY_MS = 5;
/** Choices per request are capped: the mock answers `n`, but must not be a way to make big bodies. */
const MAX_CHOICES = 16;
const OPENAI_MODEL = "mock-gpt";
const ANTHROPIC_MODEL = "mock-claude";
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
  const answer = compose(format, req);
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

interface Answer {
  model: string;
  created: number;
  /** Word pieces of one choice's text, each but the first with its leading space. */
  pieces: string[];
  text: string;
  truncated: boolean;
  choices: number;
  promptTokens: number;
  /** Tokens of one choice. */
  completionTokens: number;
}

function compose(format: ApiFormat, parsed: ParsedRequest): Answer {
  const { prompt, params } = parsed;
  let chars = prompt.system.length;
  for (const turn of prompt.userTurns) chars += turn.length;
  const turns = prompt.userTurns.length;
  const full = `This is the distill-guard mock upstream. Your prompt had ${chars} characters in ${turns} user ${turns === 1 ? "turn" : "turns"}.`;
  const words = full.split(" ").map((w, i) => (i === 0 ? w : ` ${w}`));
  const limit = params.maxTokens === undefined ? words.length : Math.max(1, Math.floor(params.maxTokens));
  const pieces = words.slice(0, limit);
  // A legacy batch prompt gets n answers per prompt, as the real API does.
  const perPrompt = format === "openai-completions" ? Math.max(1, turns) : 1;
  return {
    model: params.model !== "" ? params.model : format === "anthropic-messages" ? ANTHROPIC_MODEL : OPENAI_MODEL,
    created: Math.floor(Date.now() / 1000),
    pieces,
    text: pieces.join(""),
    truncated: pieces.length < words.length,
    choices: Math.min(MAX_CHOICES, params.n * perPrompt),
    promptTokens: Math.max(1, Math.ceil(chars / 4)),
    completionTokens: pieces.length,
  };
}

function randomId(prefix: string, length = 24): string {
  const bytes = new Uint8Array(Math.ceil(length / 2));
  crypto.getRandomValues(bytes);
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return prefix + hex.slice(0, length);
}

function includeUsage(body: Record<string, unknown>): boolean {
  const options = field(body, "stream_options");
  return isObject(options) && field(options, "include_usage") === true;
}

// ---------------------------------------------------------------------------------------------
// OpenAI Chat Completions

function chatUsage(a: Answer) {
  const completion = a.completionTokens * a.choices;
  return {
    prompt_tokens: a.promptTokens,
    completion_tokens: completion,
    total_tokens: a.promptTokens + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function chatCompletion(a: Answer) {
  return {
    id: randomId("chatcmpl-"),
    object: "chat.completion",
    created: a.created,
    model: a.model,
    choices: Array.from({ length: a.choices }, (_, index) => ({
      index,
      message: { role: "assistant", content: a.text, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: a.truncated ? "length" : "stop",
    })),
    usage: chatUsage(a),
    service_tier: "default",
    system_fingerprint: "fp_mock",
  };
}

function chatEvents(a: Answer, withUsage: boolean): SseEvent[] {
  const id = randomId("chatcmpl-");
  // With include_usage, every chunk carries `usage: null` and one last chunk the totals (as OpenAI does).
  const chunk = (choices: unknown[], usage?: unknown): SseEvent => ({
    data: JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created: a.created,
      model: a.model,
      service_tier: "default",
      system_fingerprint: "fp_mock",
      choices,
      ...(withUsage ? { usage: usage ?? null } : {}),
    }),
  });
  const events: SseEvent[] = [];
  for (let index = 0; index < a.choices; index++) {
    const choice = (delta: unknown, finish: string | null) => ({ index, delta, logprobs: null, finish_reason: finish });
    events.push(chunk([choice({ role: "assistant", content: "", refusal: null }, null)]));
    for (const piece of a.pieces) events.push(chunk([choice({ content: piece }, null)]));
    events.push(chunk([choice({}, a.truncated ? "length" : "stop")]));
  }
  if (withUsage) events.push(chunk([], chatUsage(a)));
  events.push({ data: "[DONE]" });
  return events;
}

// ---------------------------------------------------------------------------------------------
// OpenAI legacy Completions

function completionUsage(a: Answer) {
  const completion = a.completionTokens * a.choices;
  return { prompt_tokens: a.promptTokens, completion_tokens: completion, total_tokens: a.promptTokens + completion };
}

function textCompletion(a: Answer) {
  return {
    id: randomId("cmpl-"),
    object: "text_completion",
    created: a.created,
    model: a.model,
    system_fingerprint: "fp_mock",
    choices: Array.from({ length: a.choices }, (_, index) => ({
      text: a.text,
      index,
      logprobs: null,
      finish_reason: a.truncated ? "length" : "stop",
    })),
    usage: completionUsage(a),
  };
}

function completionEvents(a: Answer, withUsage: boolean): SseEvent[] {
  const id = randomId("cmpl-");
  const chunk = (choices: unknown[], usage?: unknown): SseEvent => ({
    data: JSON.stringify({
      id,
      object: "text_completion",
      created: a.created,
      model: a.model,
      system_fingerprint: "fp_mock",
      choices,
      ...(withUsage ? { usage: usage ?? null } : {}),
    }),
  });
  const events: SseEvent[] = [];
  for (let index = 0; index < a.choices; index++) {
    for (const piece of a.pieces) events.push(chunk([{ text: piece, index, logprobs: null, finish_reason: null }]));
    events.push(chunk([{ text: "", index, logprobs: null, finish_reason: a.truncated ? "length" : "stop" }]));
  }
  if (withUsage) events.push(chunk([], completionUsage(a)));
  events.push({ data: "[DONE]" });
  return events;
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

type ResponseStatus = "in_progress" | "completed" | "incomplete";

function outputText(a: Answer) {
  return { type: "output_text", text: a.text, annotations: [], logprobs: [] };
}

function outputMessage(a: Answer, id: string, status: "in_progress" | "completed" | "incomplete") {
  return {
    id,
    type: "message",
    status,
    role: "assistant",
    content: status === "in_progress" ? [] : [outputText(a)],
  };
}

function responseObject(a: Answer, body: Record<string, unknown>, status: ResponseStatus, ids = responseIds()) {
  const done = status !== "in_progress";
  const final: ResponseStatus = a.truncated ? "incomplete" : "completed";
  const instructions = field(body, "instructions");
  const maxOutput = field(body, "max_output_tokens");
  const temperature = field(body, "temperature");
  return {
    id: ids.response,
    object: "response",
    created_at: a.created,
    status: done ? final : status,
    background: false,
    error: null,
    incomplete_details: done && a.truncated ? { reason: "max_output_tokens" } : null,
    instructions: typeof instructions === "string" ? instructions : null,
    max_output_tokens: typeof maxOutput === "number" ? maxOutput : null,
    model: a.model,
    output: done ? [outputMessage(a, ids.message, final)] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: typeof temperature === "number" ? temperature : 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: done
      ? {
          input_tokens: a.promptTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: a.completionTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: a.promptTokens + a.completionTokens,
        }
      : null,
    user: null,
    metadata: {},
  };
}

function responseIds() {
  return { response: randomId("resp_", 48), message: randomId("msg_", 48) };
}

function responseEvents(a: Answer, body: Record<string, unknown>): SseEvent[] {
  const ids = responseIds();
  let sequence = 0;
  const event = (type: string, payload: Record<string, unknown>): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, sequence_number: sequence++, ...payload }),
  });
  const at = { item_id: ids.message, output_index: 0 };
  const final = a.truncated ? "incomplete" : "completed";
  const events: SseEvent[] = [
    event("response.created", { response: responseObject(a, body, "in_progress", ids) }),
    event("response.in_progress", { response: responseObject(a, body, "in_progress", ids) }),
    event("response.output_item.added", { output_index: 0, item: outputMessage(a, ids.message, "in_progress") }),
    event("response.content_part.added", {
      ...at,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [], logprobs: [] },
    }),
  ];
  for (const piece of a.pieces) {
    events.push(event("response.output_text.delta", { ...at, content_index: 0, delta: piece, logprobs: [] }));
  }
  events.push(
    event("response.output_text.done", { ...at, content_index: 0, text: a.text, logprobs: [] }),
    event("response.content_part.done", { ...at, content_index: 0, part: outputText(a) }),
    event("response.output_item.done", { output_index: 0, item: outputMessage(a, ids.message, final) }),
    event(a.truncated ? "response.incomplete" : "response.completed", { response: responseObject(a, body, final, ids) }),
  );
  return events;
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

function anthropicMessage(a: Answer) {
  return {
    id: randomId("msg_"),
    type: "message",
    role: "assistant",
    model: a.model,
    content: [{ type: "text", text: a.text }],
    stop_reason: a.truncated ? "max_tokens" : "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: a.promptTokens,
      output_tokens: a.completionTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

function anthropicEvents(a: Answer): SseEvent[] {
  const event = (type: string, payload: Record<string, unknown>): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, ...payload }),
  });
  const message = anthropicMessage(a);
  const events: SseEvent[] = [
    event("message_start", {
      message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
    }),
    event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    event("ping", {}),
  ];
  for (const piece of a.pieces) {
    events.push(event("content_block_delta", { index: 0, delta: { type: "text_delta", text: piece } }));
  }
  events.push(
    event("content_block_stop", { index: 0 }),
    event("message_delta", {
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: a.completionTokens },
    }),
    event("message_stop", {}),
  );
  return events;
}

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

interface SseEvent {
  event?: string;
  data: string;
}

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
