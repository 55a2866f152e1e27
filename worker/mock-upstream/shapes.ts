/** The mock's answers in each API's own response shape, whole and as server-sent events. */
import { field, isObject } from "../formats/fields";
import { type Answer, randomId, type SseEvent } from "./answer";

export function includeUsage(body: Record<string, unknown>): boolean {
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

export function chatCompletion(a: Answer) {
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

export function chatEvents(a: Answer, withUsage: boolean): SseEvent[] {
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

export function textCompletion(a: Answer) {
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

export function completionEvents(a: Answer, withUsage: boolean): SseEvent[] {
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

export function responseObject(a: Answer, body: Record<string, unknown>, status: ResponseStatus, ids = responseIds()) {
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

export function responseEvents(a: Answer, body: Record<string, unknown>): SseEvent[] {
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

export function anthropicMessage(a: Answer) {
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

export function anthropicEvents(a: Answer): SseEvent[] {
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
