import { describe, expect, it } from "vitest";
import type { ApiFormat } from "../../core/types";
import { GuardError } from "../../worker/errors";
import { errorShapeForPath, formatForPath, parseBody } from "../../worker/formats";

function rejects(format: ApiFormat, body: unknown, code?: string, param?: string | null): GuardError {
  let caught: unknown;
  try {
    parseBody(format, body);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(GuardError);
  const err = caught as GuardError;
  expect(err.status).toBe(400);
  expect(err.type).toBe("invalid_request_error");
  if (code !== undefined) expect(err.code).toBe(code);
  if (param !== undefined) expect(err.param).toBe(param);
  return err;
}

describe("paths", () => {
  it("maps the four inspected paths to formats, exactly", () => {
    expect(formatForPath("/v1/chat/completions")).toBe("openai-chat");
    expect(formatForPath("/v1/completions")).toBe("openai-completions");
    expect(formatForPath("/v1/responses")).toBe("openai-responses");
    expect(formatForPath("/v1/messages")).toBe("anthropic-messages");
    expect(formatForPath("/v1/models")).toBeNull();
    expect(formatForPath("/v1/messages/count_tokens")).toBeNull();
    expect(formatForPath("/v1/chat/completions/")).toBeNull();
    expect(formatForPath("/")).toBeNull();
  });

  it("answers errors in the Anthropic shape on /v1/messages only", () => {
    expect(errorShapeForPath("/v1/messages")).toBe("anthropic");
    expect(errorShapeForPath("/v1/chat/completions")).toBe("openai");
    expect(errorShapeForPath("/v1/responses")).toBe("openai");
    expect(errorShapeForPath("/v1/models")).toBe("openai");
    expect(errorShapeForPath("/anything")).toBe("openai");
  });
});

describe("OpenAI Chat Completions", () => {
  it("reads string contents, system and developer messages, and a multi-turn history", () => {
    const parsed = parseBody("openai-chat", {
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "developer", content: "Answer in English." },
        { role: "user", content: "What is 2+2?" },
        { role: "assistant", content: "4" },
        { role: "user", content: "And 3+3?" },
      ],
    });
    expect(parsed.format).toBe("openai-chat");
    expect(parsed.prompt).toEqual({
      userTurns: ["What is 2+2?", "And 3+3?"],
      system: "You are terse.\nAnswer in English.",
      assistantTurns: 1,
    });
  });

  it("takes text parts of content arrays and skips images, audio and files", () => {
    const parsed = parseBody("openai-chat", {
      model: "gpt-4o",
      messages: [
        { role: "system", content: [{ type: "text", text: "Be kind." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Describe" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
            { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
            { type: "text", text: "this picture." },
          ],
        },
      ],
    });
    expect(parsed.prompt.userTurns).toEqual(["Describe\nthis picture."]);
    expect(parsed.prompt.system).toBe("Be kind.");
  });

  it("ignores tool messages and counts assistant turns that are only tool calls", () => {
    const parsed = parseBody("openai-chat", {
      model: "m",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "18C and sunny" },
        { role: "function", name: "weather", content: "legacy" },
      ],
    });
    expect(parsed.prompt).toEqual({ userTurns: ["Weather in Paris?"], system: "", assistantTurns: 1 });
  });

  it("keeps a user turn without text so turn counts stay true", () => {
    const parsed = parseBody("openai-chat", {
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }],
    });
    expect(parsed.prompt.userTurns).toEqual([""]);
  });

  it("reads params", () => {
    const parsed = parseBody("openai-chat", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 256,
      max_tokens: 999,
      temperature: 0.2,
      logprobs: true,
      top_logprobs: 5,
      n: 3,
      user: "user-1",
    });
    expect(parsed.params).toEqual({
      model: "gpt-4o-mini",
      stream: true,
      maxTokens: 256,
      temperature: 0.2,
      logprobs: true,
      n: 3,
      endUser: "user-1",
    });
    expect(parsed.shapeKeys).toBe("logprobs,max_completion_tokens,max_tokens,messages,model,n,stream,stream_options,temperature,top_logprobs,user");
  });

  it("defaults params when absent and prefers safety_identifier over user", () => {
    const parsed = parseBody("openai-chat", { messages: [], safety_identifier: "sid", user: "u" });
    expect(parsed.params).toEqual({
      model: "",
      stream: false,
      maxTokens: undefined,
      temperature: undefined,
      logprobs: false,
      n: 1,
      endUser: "sid",
    });
    expect(parseBody("openai-chat", { messages: [], max_tokens: 12 }).params.maxTokens).toBe(12);
  });

  it("reads stream as true only for boolean true, and logprobs from top_logprobs alone", () => {
    expect(parseBody("openai-chat", { messages: [], stream: "true" }).params.stream).toBe(false);
    expect(parseBody("openai-chat", { messages: [], stream: 1 }).params.stream).toBe(false);
    expect(parseBody("openai-chat", { messages: [], logprobs: false, top_logprobs: 2 }).params.logprobs).toBe(true);
    expect(parseBody("openai-chat", { messages: [], logprobs: false, top_logprobs: 0 }).params.logprobs).toBe(false);
    expect(parseBody("openai-chat", { messages: [], logprobs: null }).params.logprobs).toBe(false);
    expect(parseBody("openai-chat", { messages: [], n: null, user: "" }).params).toMatchObject({ n: 1, endUser: undefined });
  });

  it("is tolerant of unknown fields, however deep", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 10_000; i++) deep = { x: [deep] };
    const parsed = parseBody("openai-chat", {
      messages: [{ role: "user", content: "hi", name: "alice", extra: deep }],
      vendor_extension: deep,
    });
    expect(parsed.prompt.userTurns).toEqual(["hi"]);
    expect(parsed.shapeKeys).toBe("messages,vendor_extension");
  });

  it("refuses malformed bodies with a 400", () => {
    rejects("openai-chat", null, "invalid_body");
    rejects("openai-chat", [], "invalid_body");
    rejects("openai-chat", "hello", "invalid_body");
    rejects("openai-chat", 42, "invalid_body");
    rejects("openai-chat", {}, "missing_required_parameter", "messages");
    rejects("openai-chat", { messages: null }, "missing_required_parameter", "messages");
    rejects("openai-chat", { messages: "hi" }, "invalid_type", "messages");
    rejects("openai-chat", { messages: { role: "user" } }, "invalid_type", "messages");
    rejects("openai-chat", { messages: ["hi"] }, "invalid_type", "messages[0]");
    rejects("openai-chat", { messages: [{ content: "hi" }] }, "missing_required_parameter", "messages[0].role");
    rejects("openai-chat", { messages: [{ role: 1, content: "hi" }] }, "invalid_type", "messages[0].role");
    rejects("openai-chat", { messages: [{ role: "user", content: 42 }] }, "invalid_type", "messages[0].content");
    rejects("openai-chat", { messages: [{ role: "user" }] }, "missing_required_parameter", "messages[0].content");
    rejects("openai-chat", { messages: [{ role: "assistant", content: 7 }] }, "invalid_type", "messages[0].content");
    rejects("openai-chat", { messages: [{ role: "tool", content: {} }] }, "invalid_type", "messages[0].content");
    rejects("openai-chat", { messages: [{ role: "user", content: ["hi"] }] }, "invalid_type", "messages[0].content[0]");
    rejects("openai-chat", { messages: [{ role: "user", content: [{ type: "text" }] }] }, undefined, "messages[0].content[0].text");
    rejects("openai-chat", { messages: [{ role: "user", content: [{ type: "text", text: 5 }] }] }, "invalid_type");
    rejects("openai-chat", { messages: [], model: 4 }, "invalid_type", "model");
    rejects("openai-chat", { messages: [], max_tokens: "100" }, "invalid_type", "max_tokens");
    rejects("openai-chat", { messages: [], temperature: "hot" }, "invalid_type", "temperature");
    rejects("openai-chat", { messages: [], n: "2" }, "invalid_type", "n");
    rejects("openai-chat", { messages: [], logprobs: "yes" }, "invalid_type", "logprobs");
    rejects("openai-chat", { messages: [], user: 12 }, "invalid_type", "user");
  });

  it("never reads inherited properties as fields", () => {
    rejects("openai-chat", Object.create({ messages: [] }), "missing_required_parameter");
    const parsed = parseBody("openai-chat", JSON.parse('{"__proto__": {"x": 1}, "messages": []}'));
    expect(parsed.shapeKeys).toBe("__proto__,messages");
  });
});

describe("OpenAI legacy Completions", () => {
  it("reads a string prompt", () => {
    const parsed = parseBody("openai-completions", { model: "gpt-3.5-turbo-instruct", prompt: "Say this is a test" });
    expect(parsed.format).toBe("openai-completions");
    expect(parsed.prompt).toEqual({ userTurns: ["Say this is a test"], system: "", assistantTurns: 0 });
  });

  it("reads an array of strings as the batch's prompts and skips token-id prompts", () => {
    expect(parseBody("openai-completions", { prompt: ["one", "two"] }).prompt.userTurns).toEqual(["one", "two"]);
    expect(parseBody("openai-completions", { prompt: [1, 2, 3] }).prompt.userTurns).toEqual([]);
    expect(parseBody("openai-completions", { prompt: [[1, 2], [3]] }).prompt.userTurns).toEqual([]);
    expect(parseBody("openai-completions", { prompt: ["a", [1, 2], "b"] }).prompt.userTurns).toEqual(["a", "b"]);
  });

  it("reads params: logprobs as a count, max_tokens, n", () => {
    const parsed = parseBody("openai-completions", {
      model: "davinci-002",
      prompt: "x",
      logprobs: 0,
      max_tokens: 16,
      n: 2,
      temperature: 0,
      user: "end",
      echo: true,
    });
    expect(parsed.params).toEqual({
      model: "davinci-002",
      stream: false,
      maxTokens: 16,
      temperature: 0,
      logprobs: true,
      n: 2,
      endUser: "end",
    });
    expect(parsed.shapeKeys).toBe("echo,logprobs,max_tokens,model,n,prompt,temperature,user");
  });

  it("refuses a missing or mistyped prompt", () => {
    rejects("openai-completions", { model: "m" }, "missing_required_parameter", "prompt");
    rejects("openai-completions", { prompt: 5 }, "invalid_type", "prompt");
    rejects("openai-completions", { prompt: { text: "x" } }, "invalid_type", "prompt");
    rejects("openai-completions", { prompt: ["ok", { text: "x" }] }, "invalid_type", "prompt[1]");
    rejects("openai-completions", { prompt: ["ok", true] }, "invalid_type", "prompt[1]");
  });
});

describe("OpenAI Responses", () => {
  it("reads a string input and instructions", () => {
    const parsed = parseBody("openai-responses", {
      model: "gpt-4.1",
      instructions: "Talk like a pirate.",
      input: "Are semicolons optional in JavaScript?",
    });
    expect(parsed.format).toBe("openai-responses");
    expect(parsed.prompt).toEqual({
      userTurns: ["Are semicolons optional in JavaScript?"],
      system: "Talk like a pirate.",
      assistantTurns: 0,
    });
  });

  it("reads item arrays: messages with string or input_text content, skipping other items", () => {
    const parsed = parseBody("openai-responses", {
      model: "gpt-4.1",
      instructions: "Be brief.",
      input: [
        { role: "developer", content: "No emojis." },
        { role: "user", content: "Hello" },
        {
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "Hi!", annotations: [] }],
        },
        { type: "function_call", call_id: "c1", name: "lookup", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "tool says" },
        { type: "reasoning", id: "rs_1", summary: [] },
        { type: "item_reference", id: "msg_1" },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "What is in" },
            { type: "input_image", image_url: "https://x/y.png" },
            { type: "input_file", file_id: "file-1" },
            { type: "input_text", text: "this image?" },
          ],
        },
      ],
    });
    expect(parsed.prompt).toEqual({
      userTurns: ["Hello", "What is in\nthis image?"],
      system: "Be brief.\nNo emojis.",
      assistantTurns: 1,
    });
  });

  it("accepts a follow-up without input", () => {
    const parsed = parseBody("openai-responses", { model: "gpt-4.1", previous_response_id: "resp_1" });
    expect(parsed.prompt).toEqual({ userTurns: [], system: "", assistantTurns: 0 });
  });

  it("reads params: max_output_tokens, logprobs via top_logprobs or include, safety_identifier", () => {
    const parsed = parseBody("openai-responses", {
      model: "gpt-4.1",
      input: "x",
      stream: true,
      max_output_tokens: 100,
      max_tokens: 5,
      temperature: 0.7,
      include: ["message.output_text.logprobs"],
      safety_identifier: "hashed-user",
    });
    expect(parsed.params).toEqual({
      model: "gpt-4.1",
      stream: true,
      maxTokens: 100,
      temperature: 0.7,
      logprobs: true,
      n: 1,
      endUser: "hashed-user",
    });
    expect(parseBody("openai-responses", { input: "x", top_logprobs: 3 }).params.logprobs).toBe(true);
    expect(parseBody("openai-responses", { input: "x", include: ["reasoning.encrypted_content"] }).params.logprobs).toBe(false);
    // n is not a Responses parameter.
    expect(parseBody("openai-responses", { input: "x", n: 4 }).params.n).toBe(1);
  });

  it("refuses malformed inputs", () => {
    rejects("openai-responses", { input: 5 }, "invalid_type", "input");
    rejects("openai-responses", { input: { role: "user", content: "x" } }, "invalid_type", "input");
    rejects("openai-responses", { input: ["x"] }, "invalid_type", "input[0]");
    rejects("openai-responses", { input: [{ role: "user" }] }, "missing_required_parameter", "input[0].content");
    rejects("openai-responses", { input: [{ role: "user", content: 3 }] }, "invalid_type", "input[0].content");
    rejects("openai-responses", { input: [{ role: "assistant", content: 3 }] }, "invalid_type", "input[0].content");
    rejects("openai-responses", { input: [{ role: 7, content: "x" }] }, "invalid_type", "input[0].role");
    rejects("openai-responses", { input: [{ role: "user", content: [{ type: "input_text" }] }] }, undefined, "input[0].content[0].text");
    rejects("openai-responses", { input: [{ role: "user", content: [1] }] }, "invalid_type", "input[0].content[0]");
    rejects("openai-responses", { input: "x", instructions: ["a"] }, "invalid_type", "instructions");
    rejects("openai-responses", { input: "x", max_output_tokens: "9" }, "invalid_type", "max_output_tokens");
  });
});

describe("Anthropic Messages", () => {
  it("reads a string system, string contents and a multi-turn history", () => {
    const parsed = parseBody("anthropic-messages", {
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      system: "You are a poet.",
      messages: [
        { role: "user", content: "Write a haiku." },
        { role: "assistant", content: "Leaves fall..." },
        { role: "user", content: "Another one." },
        { role: "assistant", content: "Snow" },
      ],
    });
    expect(parsed.format).toBe("anthropic-messages");
    expect(parsed.prompt).toEqual({
      userTurns: ["Write a haiku.", "Another one."],
      system: "You are a poet.",
      assistantTurns: 2,
    });
  });

  it("reads system and content block arrays, text blocks only", () => {
    const parsed = parseBody("anthropic-messages", {
      model: "claude-haiku-4-5",
      max_tokens: 10,
      system: [
        { type: "text", text: "Rule one.", cache_control: { type: "ephemeral" } },
        { type: "text", text: "Rule two." },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            { type: "text", text: "What is this?" },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "doc" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm", signature: "sig" },
            { type: "text", text: "A cat." },
          ],
        },
      ],
    });
    expect(parsed.prompt).toEqual({ userTurns: ["What is this?"], system: "Rule one.\nRule two.", assistantTurns: 1 });
  });

  it("includes the plain text of tool results in the user turn, skipping their images", () => {
    const parsed = parseBody("anthropic-messages", {
      model: "m",
      max_tokens: 10,
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: [{ type: "tool_use", id: "tu_1", name: "weather", input: { city: "Paris" } }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "tu_1", content: "18C" },
            {
              type: "tool_result",
              tool_use_id: "tu_2",
              content: [
                { type: "text", text: "sunny" },
                { type: "image", source: { type: "url", url: "https://x/y.png" } },
              ],
            },
            { type: "tool_result", tool_use_id: "tu_3", is_error: true },
            { type: "text", text: "Thanks." },
          ],
        },
      ],
    });
    expect(parsed.prompt).toEqual({ userTurns: ["Weather?", "18C\nsunny\nThanks."], system: "", assistantTurns: 1 });
  });

  it("reads params: max_tokens, temperature, metadata.user_id; no n or logprobs", () => {
    const parsed = parseBody("anthropic-messages", {
      model: "claude-sonnet-4-5",
      max_tokens: 2048,
      stream: true,
      temperature: 1,
      metadata: { user_id: "u-42" },
      messages: [{ role: "user", content: "hi" }],
      n: 5,
      logprobs: true,
      user: "not-anthropic",
    });
    expect(parsed.params).toEqual({
      model: "claude-sonnet-4-5",
      stream: true,
      maxTokens: 2048,
      temperature: 1,
      logprobs: false,
      n: 1,
      endUser: "u-42",
    });
    expect(parsed.shapeKeys).toBe("logprobs,max_tokens,messages,metadata,model,n,stream,temperature,user");
  });

  it("refuses malformed bodies", () => {
    rejects("anthropic-messages", "x", "invalid_body");
    rejects("anthropic-messages", { model: "m", max_tokens: 1 }, "missing_required_parameter", "messages");
    rejects("anthropic-messages", { messages: "hi" }, "invalid_type", "messages");
    rejects("anthropic-messages", { messages: [{ role: "user", content: 1 }] }, "invalid_type", "messages[0].content");
    rejects("anthropic-messages", { messages: [{ role: "user" }] }, "missing_required_parameter", "messages[0].content");
    rejects("anthropic-messages", { messages: [{ content: "x" }] }, "missing_required_parameter", "messages[0].role");
    rejects("anthropic-messages", { messages: [{ role: "user", content: ["x"] }] }, "invalid_type", "messages[0].content[0]");
    rejects("anthropic-messages", { messages: [{ role: "user", content: [{ type: "text", text: 3 }] }] }, "invalid_type");
    rejects("anthropic-messages", { messages: [{ role: "user", content: [{ type: "tool_result", content: 9 }] }] }, "invalid_type", "messages[0].content[0].content");
    rejects("anthropic-messages", { system: 5, messages: [] }, "invalid_type", "system");
    rejects("anthropic-messages", { system: ["x"], messages: [] }, "invalid_type", "system[0]");
    rejects("anthropic-messages", { messages: [], metadata: "u" }, "invalid_type", "metadata");
    rejects("anthropic-messages", { messages: [], metadata: { user_id: 5 } }, "invalid_type", "metadata.user_id");
  });
});

describe("work bounds", () => {
  it("parses a large history in linear time", () => {
    const messages = Array.from({ length: 50_000 }, (_, i) => ({
      role: i % 2 === 0 ? "user" : "assistant",
      content: [{ type: "text", text: `turn ${i}` }],
    }));
    const started = performance.now();
    const parsed = parseBody("openai-chat", { messages });
    expect(parsed.prompt.userTurns).toHaveLength(25_000);
    expect(parsed.prompt.assistantTurns).toBe(25_000);
    // Generous: workerd freezes timers during CPU work, so this mostly guards against blow-ups.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
