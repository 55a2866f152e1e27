import { describe, expect, it } from "vitest";
import { parseConfig } from "../../core/config";
import { NO_MEASURES, parseMeasures, soften } from "../../core/graduated";

const ALL = parseMeasures("cap_max_tokens:4096,strip_logprobs,strip_reasoning");

describe("graduated answers", () => {
  it("caps each format's own output field, and only downwards", () => {
    expect(soften("anthropic-messages", { max_tokens: 64000, messages: [] }, ALL)).toEqual({ max_tokens: 4096, messages: [] });
    expect(soften("openai-chat", { max_completion_tokens: 32768, max_tokens: 9000 }, ALL)).toEqual({ max_completion_tokens: 4096, max_tokens: 4096 });
    expect(soften("openai-responses", { max_output_tokens: 50000 }, ALL)).toEqual({ max_output_tokens: 4096 });
    expect(soften("anthropic-messages", { max_tokens: 1000 }, ALL)).toBeNull();
  });

  it("sets a cap where an OpenAI request leaves the length to the model", () => {
    expect(soften("openai-chat", { messages: [] }, ALL)).toEqual({ messages: [], max_completion_tokens: 4096 });
  });

  it("drops logprobs and reasoning output, and a thinking budget the cap would make invalid", () => {
    expect(soften("openai-chat", { max_tokens: 10, logprobs: true, top_logprobs: 5 }, ALL)).toEqual({ max_tokens: 10 });
    expect(soften("anthropic-messages", { max_tokens: 10, thinking: { type: "enabled", budget_tokens: 2048 } }, ALL)).toEqual({ max_tokens: 10 });
    expect(soften("anthropic-messages", { max_tokens: 32000, thinking: { type: "enabled", budget_tokens: 8000 } }, parseMeasures("cap_max_tokens:4096"))).toEqual({ max_tokens: 4096 });
    expect(soften("openai-responses", { max_output_tokens: 10, reasoning: { effort: "high", summary: "auto" }, include: ["reasoning.encrypted_content", "x"] }, ALL)).toEqual({
      max_output_tokens: 10,
      reasoning: { effort: "high" },
      include: ["x"],
    });
  });

  it("leaves the body alone without measures, and never edits the caller's object", () => {
    const body = { max_tokens: 64000, logprobs: true };
    expect(soften("openai-chat", body, NO_MEASURES)).toBeNull();
    soften("openai-chat", body, ALL);
    expect(body).toEqual({ max_tokens: 64000, logprobs: true });
  });

  it("refuses an unknown measure at startup", () => {
    expect(() => parseConfig({ SUSPECT_RESPONSE: "cap_max_tokens:0" })).toThrow(/unknown measure "cap_max_tokens:0"/);
    expect(() => parseConfig({ SUSPECT_RESPONSE: "hide_answers" })).toThrow(/unknown measure/);
    expect(parseConfig({ SUSPECT_RESPONSE: "none" }).SUSPECT_MEASURES).toEqual(NO_MEASURES);
  });
});
