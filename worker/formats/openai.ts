/**
 * Prompt text of the three OpenAI request formats. Only text a person (or a script posing as one)
 * wrote is taken: images, audio, files and tool output carry no prompt for the detector, and are
 * skipped without being walked.
 */
import type { PromptInput } from "../../core/types";
import { field, invalidType, isObject, JOIN, missing, partText, requiredArray, requiredRole, type JsonObject } from "./fields";

/**
 * Chat Completions `messages`. system/developer → system; user → one turn each (even when it has no
 * text, so turn counts stay true); assistant → counted; tool/function and unknown roles → ignored
 * (tool output is not user-authored, and the upstream refuses unknown roles anyway).
 */
export function chatPrompt(body: JsonObject): PromptInput {
  const messages = requiredArray(body, "messages", "an array of messages");
  const system: string[] = [];
  const userTurns: string[] = [];
  let assistantTurns = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const at = `messages[${i}]`;
    if (!isObject(message)) throw invalidType(at, "an object", message);
    const role = requiredRole(message, at);
    const content = field(message, "content");
    switch (role) {
      case "system":
      case "developer":
        system.push(chatContentText(content, `${at}.content`, true));
        break;
      case "user":
        userTurns.push(chatContentText(content, `${at}.content`, true));
        break;
      case "assistant":
        // Content may be null or absent when the turn is only tool calls.
        checkChatContent(content, `${at}.content`);
        assistantTurns++;
        break;
      default:
        checkChatContent(content, `${at}.content`);
    }
  }
  return { userTurns, system: system.join(JOIN), assistantTurns };
}

/** A chat `content`: a string, or content parts of which the `text` ones count. */
function chatContentText(content: unknown, at: string, required: boolean): string {
  if (typeof content === "string") return content;
  if (content === undefined || content === null) {
    if (required) throw missing(at);
    return "";
  }
  if (!Array.isArray(content)) throw invalidType(at, "a string or an array of content parts", content);
  const texts: string[] = [];
  for (let j = 0; j < content.length; j++) {
    const part = content[j];
    const partAt = `${at}[${j}]`;
    if (!isObject(part)) throw invalidType(partAt, "an object", part);
    if (field(part, "type") === "text") texts.push(partText(part, partAt));
  }
  return texts.join(JOIN);
}

/** Type check only, for roles whose text is not taken. */
function checkChatContent(content: unknown, at: string): void {
  if (content === undefined || content === null || typeof content === "string" || Array.isArray(content)) return;
  throw invalidType(at, "a string or an array of content parts", content);
}

/**
 * Legacy Completions `prompt`: a string, or an array whose strings are prompts of a batch (each one a
 * user turn, in order). Token-id prompts (numbers, or arrays of numbers) are not text and are
 * skipped; nested arrays are not walked.
 */
export function completionsPrompt(body: JsonObject): PromptInput {
  const prompt = field(body, "prompt");
  if (prompt === undefined || prompt === null) throw missing("prompt");
  if (typeof prompt === "string") return { userTurns: [prompt], system: "", assistantTurns: 0 };
  if (!Array.isArray(prompt)) throw invalidType("prompt", "a string or an array", prompt);
  const userTurns: string[] = [];
  for (let i = 0; i < prompt.length; i++) {
    const item = prompt[i];
    if (typeof item === "string") userTurns.push(item);
    else if (typeof item !== "number" && !Array.isArray(item)) {
      throw invalidType(`prompt[${i}]`, "a string, a token id or an array of token ids", item);
    }
  }
  return { userTurns, system: "", assistantTurns: 0 };
}

/**
 * Responses `instructions` and `input`. `input` is optional (a follow-up may carry only
 * `previous_response_id`, whose history lives upstream). Items with a `role` are messages; other
 * items (function calls and outputs, reasoning, references) are not prompt text and are skipped.
 */
export function responsesPrompt(body: JsonObject): PromptInput {
  const system: string[] = [];
  const instructions = field(body, "instructions");
  if (typeof instructions === "string") system.push(instructions);
  else if (instructions !== undefined && instructions !== null) throw invalidType("instructions", "a string", instructions);

  const userTurns: string[] = [];
  let assistantTurns = 0;
  const input = field(body, "input");
  if (typeof input === "string") {
    userTurns.push(input);
  } else if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      const item = input[i];
      const at = `input[${i}]`;
      if (!isObject(item)) throw invalidType(at, "an object", item);
      if (field(item, "role") === undefined) continue;
      const role = requiredRole(item, at);
      const content = field(item, "content");
      if (content === undefined || content === null) throw missing(`${at}.content`);
      switch (role) {
        case "system":
        case "developer":
          system.push(responsesContentText(content, `${at}.content`));
          break;
        case "user":
          userTurns.push(responsesContentText(content, `${at}.content`));
          break;
        case "assistant":
          if (typeof content !== "string" && !Array.isArray(content)) {
            throw invalidType(`${at}.content`, "a string or an array of content parts", content);
          }
          assistantTurns++;
          break;
        default:
          break;
      }
    }
  } else if (input !== undefined && input !== null) {
    throw invalidType("input", "a string or an array of input items", input);
  }
  return { userTurns, system: system.join(JOIN), assistantTurns };
}

/** A Responses message `content`: a string, or parts of which the `input_text` ones count. */
function responsesContentText(content: unknown, at: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw invalidType(at, "a string or an array of content parts", content);
  const texts: string[] = [];
  for (let j = 0; j < content.length; j++) {
    const part = content[j];
    const partAt = `${at}[${j}]`;
    if (!isObject(part)) throw invalidType(partAt, "an object", part);
    if (field(part, "type") === "input_text") texts.push(partText(part, partAt));
  }
  return texts.join(JOIN);
}
