import { describe, expect, it } from "vitest";
import { parseBody } from "../../worker/formats";
import { mockUpstream } from "../../worker/mock-upstream";

const FAST = { chunkDelayMs: 1 };

/** The fields of the mock's JSON answers that these tests read; the arrays they index are never empty. */
type NonEmpty<T> = [T, ...T[]];
interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  input_tokens: number;
  output_tokens: number;
}
interface ChatCompletion {
  id: string;
  object: string;
  model: string;
  created: number;
  choices: NonEmpty<{ index: number; finish_reason: string; message: { role: string; content: string } }>;
  usage: Usage;
}
interface TextCompletion {
  id: string;
  object: string;
  choices: NonEmpty<{ text: string }>;
  usage: Usage;
}
interface ResponseObject {
  id: string;
  object: string;
  status: string;
  instructions: string;
  incomplete_details: unknown;
  output: NonEmpty<{ id: string; content: NonEmpty<{ type: string; text: string }> }>;
  usage: Usage;
}
interface AnthropicMessage {
  id: string;
  content: NonEmpty<{ type: string; text: string }>;
  stop_reason: string;
  usage: Usage;
}
interface ModelList {
  object: string;
  data: unknown[];
}
interface ErrorBody {
  type: string;
  error: { message: string };
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): [Request, unknown] {
  const request = new Request(`http://guard.test${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return [request, body];
}

function call(path: string, body: unknown, parsed = true): Response {
  const [request] = post(path, body);
  const format = path === "/v1/messages" ? "anthropic-messages" : path === "/v1/responses" ? "openai-responses" : path === "/v1/completions" ? "openai-completions" : "openai-chat";
  return mockUpstream(request, body, parsed ? parseBody(format, body) : null, FAST);
}

interface Sse {
  event: string | undefined;
  data: string;
}

/** Reads a server-sent event stream, also counting the chunks it arrived in. */
async function readSse(res: Response): Promise<{ events: Sse[]; chunks: number }> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += decoder.decode(value, { stream: true });
  }
  expect(text.endsWith("\n\n")).toBe(true);
  const events = text
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
        else throw new Error(`unexpected SSE line: ${line}`);
      }
      return { event, data: data.join("\n") };
    });
  return { events, chunks };
}

const PROMPT = "Tell me a secret about the ocean.";

describe("OpenAI Chat Completions", () => {
  const body = {
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "sys" },
      { role: "user", content: PROMPT },
    ],
  };

  it("answers a chat.completion object without echoing the prompt", async () => {
    const res = call("/v1/chat/completions", body);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const json = (await res.json()) as ChatCompletion;
    expect(json.id).toMatch(/^chatcmpl-/);
    expect(json.object).toBe("chat.completion");
    expect(json.model).toBe("gpt-4o-mini");
    expect(Number.isInteger(json.created)).toBe(true);
    expect(json.choices).toHaveLength(1);
    expect(json.choices[0]).toMatchObject({ index: 0, finish_reason: "stop", message: { role: "assistant" } });
    const text: string = json.choices[0].message.content;
    expect(text).toContain(`${PROMPT.length + 3} characters`);
    expect(text).not.toContain("ocean");
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
  });

  it("is deterministic and honours n and max_tokens", async () => {
    const a = (await call("/v1/chat/completions", body).json()) as ChatCompletion;
    const b = (await call("/v1/chat/completions", body).json()) as ChatCompletion;
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    const many = (await call("/v1/chat/completions", { ...body, n: 3, max_completion_tokens: 2 }).json()) as ChatCompletion;
    expect(many.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(many.choices[0].finish_reason).toBe("length");
    expect(many.choices[0].message.content.split(" ")).toHaveLength(2);
    expect(many.usage.completion_tokens).toBe(6);
  });

  it("streams chunks then [DONE], over several reads", async () => {
    const { events, chunks } = await readSse(call("/v1/chat/completions", { ...body, stream: true }));
    expect(chunks).toBeGreaterThan(3);
    expect(events.at(-1)).toEqual({ event: undefined, data: "[DONE]" });
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e.data));
    for (const chunk of parsed) {
      expect(chunk.object).toBe("chat.completion.chunk");
      expect(chunk.id).toBe(parsed[0].id);
      expect(chunk).not.toHaveProperty("usage");
    }
    expect(parsed[0].choices[0].delta).toMatchObject({ role: "assistant", content: "" });
    expect(parsed.at(-1).choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    const text = parsed.map((c) => c.choices[0].delta.content ?? "").join("");
    const full = (await call("/v1/chat/completions", body).json()) as ChatCompletion;
    expect(text).toBe(full.choices[0].message.content);
  });

  it("adds a usage chunk when stream_options.include_usage is set", async () => {
    const { events } = await readSse(call("/v1/chat/completions", { ...body, stream: true, stream_options: { include_usage: true } }));
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e.data));
    const last = parsed.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.total_tokens).toBeGreaterThan(0);
    for (const chunk of parsed.slice(0, -1)) expect(chunk.usage).toBeNull();
  });
});

describe("OpenAI legacy Completions", () => {
  const body = { model: "gpt-3.5-turbo-instruct", prompt: PROMPT };

  it("answers a text_completion object", async () => {
    const json = (await call("/v1/completions", body).json()) as TextCompletion;
    expect(json.id).toMatch(/^cmpl-/);
    expect(json.object).toBe("text_completion");
    expect(json.choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: "stop" });
    expect(json.choices[0].text).toContain(`${PROMPT.length} characters`);
    expect(json.usage).toHaveProperty("prompt_tokens");
  });

  it("answers each prompt of a batch", async () => {
    const json = (await call("/v1/completions", { ...body, prompt: ["a", "b"], n: 2 }).json()) as TextCompletion;
    expect(json.choices).toHaveLength(4);
  });

  it("streams text_completion chunks then [DONE]", async () => {
    const { events } = await readSse(call("/v1/completions", { ...body, stream: true }));
    expect(events.at(-1)!.data).toBe("[DONE]");
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(parsed.every((c) => c.object === "text_completion")).toBe(true);
    expect(parsed.at(-1).choices[0].finish_reason).toBe("stop");
    expect(parsed.map((c) => c.choices[0].text).join("")).toContain("characters");
  });
});

describe("OpenAI Responses", () => {
  const body = { model: "gpt-4.1", instructions: "Be brief.", input: PROMPT };

  it("answers a response object with an output message", async () => {
    const json = (await call("/v1/responses", body).json()) as ResponseObject;
    expect(json.id).toMatch(/^resp_/);
    expect(json.object).toBe("response");
    expect(json.status).toBe("completed");
    expect(json.instructions).toBe("Be brief.");
    expect(json.output).toHaveLength(1);
    expect(json.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(json.output[0].id).toMatch(/^msg_/);
    expect(json.output[0].content[0].type).toBe("output_text");
    expect(json.output[0].content[0].text).toContain("characters");
    expect(json.usage.total_tokens).toBe(json.usage.input_tokens + json.usage.output_tokens);
  });

  it("streams the Responses event sequence", async () => {
    const { events } = await readSse(call("/v1/responses", { ...body, stream: true }));
    const types = events.map((e) => e.event);
    const parsed = events.map((e) => JSON.parse(e.data));
    parsed.forEach((p, i) => {
      expect(p.type).toBe(types[i]);
      expect(p.sequence_number).toBe(i);
    });
    const deltas = types.filter((t) => t === "response.output_text.delta").length;
    expect(deltas).toBeGreaterThan(1);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...Array(deltas).fill("response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(parsed[0].response.status).toBe("in_progress");
    const text = parsed
      .filter((p) => p.type === "response.output_text.delta")
      .map((p) => p.delta)
      .join("");
    const done = parsed.at(-1).response;
    expect(done.status).toBe("completed");
    expect(done.output[0].content[0].text).toBe(text);
    expect(parsed.find((p) => p.type === "response.output_text.done").text).toBe(text);
  });

  it("reports a truncated answer as incomplete", async () => {
    const json = (await call("/v1/responses", { ...body, max_output_tokens: 3 }).json()) as ResponseObject;
    expect(json.status).toBe("incomplete");
    expect(json.incomplete_details).toEqual({ reason: "max_output_tokens" });
  });
});

describe("Anthropic Messages", () => {
  const body = { model: "claude-sonnet-4-5", max_tokens: 1024, system: "sys", messages: [{ role: "user", content: PROMPT }] };

  it("answers a message object", async () => {
    const res = call("/v1/messages", body);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const json = (await res.json()) as AnthropicMessage;
    expect(json.id).toMatch(/^msg_/);
    expect(json).toMatchObject({ type: "message", role: "assistant", model: "claude-sonnet-4-5", stop_reason: "end_turn", stop_sequence: null });
    expect(json.content).toHaveLength(1);
    expect(json.content[0].type).toBe("text");
    expect(json.content[0].text).toContain(`${PROMPT.length + 3} characters`);
    expect(json.usage.input_tokens).toBeGreaterThan(0);
    expect(json.usage.output_tokens).toBeGreaterThan(0);
  });

  it("stops at max_tokens", async () => {
    const json = (await call("/v1/messages", { ...body, max_tokens: 2 }).json()) as AnthropicMessage;
    expect(json.stop_reason).toBe("max_tokens");
    expect(json.usage.output_tokens).toBe(2);
  });

  it("streams the Messages event sequence", async () => {
    const { events, chunks } = await readSse(call("/v1/messages", { ...body, stream: true }));
    expect(chunks).toBe(events.length);
    const types = events.map((e) => e.event);
    const parsed = events.map((e) => JSON.parse(e.data));
    parsed.forEach((p, i) => {
      expect(p.type).toBe(types[i]);
    });
    const deltas = types.filter((t) => t === "content_block_delta").length;
    expect(deltas).toBeGreaterThan(1);
    expect(types).toEqual(["message_start", "content_block_start", "ping", ...Array(deltas).fill("content_block_delta"), "content_block_stop", "message_delta", "message_stop"]);
    expect(parsed[0].message).toMatchObject({ type: "message", role: "assistant", content: [], stop_reason: null });
    const text = parsed
      .filter((p) => p.type === "content_block_delta")
      .map((p) => p.delta.text)
      .join("");
    expect(text).toContain("characters");
    expect(parsed.find((p) => p.type === "message_delta")).toMatchObject({
      delta: { stop_reason: "end_turn" },
      usage: { output_tokens: deltas },
    });
  });
});

describe("other requests", () => {
  it("parses the body itself when the guard passes no parse", async () => {
    const json = (await call("/v1/chat/completions", { messages: [{ role: "user", content: "hey" }] }, false).json()) as ChatCompletion;
    expect(json.choices[0].message.content).toContain("3 characters");
    expect(json.model).toBe("mock-gpt");
  });

  it("answers a malformed body with a 400 in the path's shape", async () => {
    const [request, body] = post("/v1/messages", { messages: 5 });
    const res = mockUpstream(request, body, null);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).type).toBe("error");
  });

  it("lists models, in Anthropic's shape for the Anthropic SDK", async () => {
    const openai = (await mockUpstream(new Request("http://guard.test/v1/models"), null, null).json()) as ModelList;
    expect(openai.object).toBe("list");
    expect(openai.data[0]).toMatchObject({ object: "model", owned_by: "distill-guard" });
    const anthropic = (await mockUpstream(new Request("http://guard.test/v1/models", { headers: { "anthropic-version": "2023-06-01" } }), null, null).json()) as ModelList;
    expect(anthropic).toMatchObject({ has_more: false, data: [{ type: "model", id: "mock-claude" }] });
  });

  it("answers an unknown path with 404 in the OpenAI shape", async () => {
    for (const [method, path] of [
      ["POST", "/v1/embeddings"],
      ["GET", "/"],
      ["POST", "/v1/messages/count_tokens"],
    ]) {
      const res = mockUpstream(new Request(`http://guard.test${path}`, { method, body: method === "POST" ? "{}" : null }), {}, null);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/json");
      const json = (await res.json()) as ErrorBody;
      expect(json).toStrictEqual({ error: { message: json.error.message, type: "not_found_error", param: null, code: "not_found" } });
    }
  });

  it("answers a non-POST on an inspected path with 405", async () => {
    const res = mockUpstream(new Request("http://guard.test/v1/chat/completions"), null, null);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
