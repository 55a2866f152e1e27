/**
 * Request bodies in the four inspected formats, built from a conversation.
 */
import type { Rng } from "../../tools/prng";

export type Api = "chat" | "responses" | "completions" | "messages";

const API_PATHS: Readonly<Record<Api, string>> = {
  chat: "/v1/chat/completions",
  responses: "/v1/responses",
  completions: "/v1/completions",
  messages: "/v1/messages",
};

export interface Turn {
  role: "user" | "assistant";
  text: string;
}

/** How one client shapes its requests; an actor keeps its style, so its requests look alike. */
export interface BodyStyle {
  api: Api;
  model: string;
  system?: string;
  maxTokens?: number;
  temperature?: number;
  stream?: boolean;
  /** content as a part/block array rather than a string */
  parts?: boolean;
  /** extra top-level fields (logprobs, user, metadata, …) */
  extra?: Record<string, unknown>;
}

export const OPENAI_MODELS: readonly string[] = ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3-mini", "o4-mini"];
export const ANTHROPIC_MODELS: readonly string[] = ["claude-3-5-haiku-latest", "claude-3-7-sonnet-latest", "claude-sonnet-4-20250514", "claude-opus-4-20250514"];
const COMPLETIONS_MODEL = "gpt-3.5-turbo-instruct";

/** What earlier assistant turns hold: the replay never has real answers, and the guard never needs them. */
export const ASSISTANT_PLACEHOLDERS: readonly string[] = ["Here is my earlier answer. (content omitted)", "[previous reply omitted]", "Sure! (answer omitted for brevity)"];

export function modelFor(api: Api, rng: Rng): string {
  if (api === "messages") return rng.pick(ANTHROPIC_MODELS);
  if (api === "completions") return COMPLETIONS_MODEL;
  return rng.pick(OPENAI_MODELS);
}

/** Picks the API of an OpenAI-family client: mostly chat, some Responses, a few legacy completions. */
export function openaiApi(rng: Rng): Api {
  return rng.weighted([
    ["chat", 80],
    ["responses", 13],
    ["completions", 7],
  ] as const);
}

function content(text: string, parts: boolean, kind: "text" | "input_text"): unknown {
  return parts ? [{ type: kind, text }] : text;
}

export function buildBody(style: BodyStyle, turns: readonly Turn[]): { path: string; body: Record<string, unknown> } {
  const path = API_PATHS[style.api];
  const body: Record<string, unknown> = { model: style.model };
  switch (style.api) {
    case "chat": {
      const messages: unknown[] = [];
      if (style.system !== undefined) messages.push({ role: "system", content: style.system });
      for (const t of turns) messages.push({ role: t.role, content: t.role === "user" ? content(t.text, style.parts === true, "text") : t.text });
      body.messages = messages;
      if (style.maxTokens !== undefined) body.max_tokens = style.maxTokens;
      break;
    }
    case "messages": {
      // Anthropic requires max_tokens; the system prompt is a top-level field.
      body.max_tokens = style.maxTokens ?? 1024;
      if (style.system !== undefined) body.system = style.parts ? [{ type: "text", text: style.system }] : style.system;
      body.messages = turns.map((t) => ({ role: t.role, content: t.role === "user" ? content(t.text, style.parts === true, "text") : t.text }));
      break;
    }
    case "responses": {
      if (style.system !== undefined) body.instructions = style.system;
      body.input =
        turns.length === 1 && !style.parts ? turns[0]!.text : turns.map((t) => ({ role: t.role, content: t.role === "user" ? content(t.text, style.parts === true, "input_text") : t.text }));
      if (style.maxTokens !== undefined) body.max_output_tokens = style.maxTokens;
      break;
    }
    case "completions": {
      // A legacy completion has no turns: a client flattens the conversation into one prompt.
      const prompt = turns.length === 1 ? turns[0]!.text : turns.map((t) => `${t.role === "user" ? "User" : "Assistant"}: ${t.text}`).join("\n\n") + "\n\nAssistant:";
      body.prompt = style.system !== undefined ? `${style.system}\n\n${prompt}` : prompt;
      body.max_tokens = style.maxTokens ?? 256;
      break;
    }
  }
  if (style.temperature !== undefined) body.temperature = style.temperature;
  if (style.stream) body.stream = true;
  if (style.extra) Object.assign(body, style.extra);
  return { path, body };
}
