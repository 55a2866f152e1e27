/**
 * Prompt text of Anthropic Messages requests: `system` and the `text` blocks of `messages`.
 *
 * `tool_result` blocks: their plain text (string content, or `text` blocks inside) is taken as part
 * of the user turn that carries them. In Anthropic's model a tool result *is* user-turn content, and
 * skipping it would let a sweep hide every prompt in fabricated tool results behind an empty user
 * turn. Images, documents and other blocks inside a tool result are skipped, never walked. (OpenAI
 * `tool` messages are separate messages with their own role and are ignored, as specified.)
 */
import type { PromptInput } from "../../core/types";
import { field, invalidType, isObject, JOIN, missing, partText, requiredArray, requiredRole, type JsonObject } from "./fields";

export function messagesPrompt(body: JsonObject): PromptInput {
  const system = systemText(field(body, "system"));
  const messages = requiredArray(body, "messages", "an array of messages");
  const userTurns: string[] = [];
  let assistantTurns = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const at = `messages[${i}]`;
    if (!isObject(message)) throw invalidType(at, "an object", message);
    const role = requiredRole(message, at);
    const content = field(message, "content");
    const contentAt = `${at}.content`;
    if (content === undefined || content === null) throw missing(contentAt);
    if (typeof content !== "string" && !Array.isArray(content)) {
      throw invalidType(contentAt, "a string or an array of content blocks", content);
    }
    if (role === "user") userTurns.push(userText(content, contentAt));
    else if (role === "assistant") assistantTurns++;
    // Other roles do not exist in this API; the upstream refuses them.
  }
  return { userTurns, system, assistantTurns };
}

function systemText(system: unknown): string {
  if (system === undefined || system === null) return "";
  if (typeof system === "string") return system;
  if (!Array.isArray(system)) throw invalidType("system", "a string or an array of text blocks", system);
  return textBlocks(system, "system", false);
}

function userText(content: string | unknown[], at: string): string {
  return typeof content === "string" ? content : textBlocks(content, at, true);
}

/** The `text` blocks of a block array; with `toolResults`, also the plain text of `tool_result` blocks. */
function textBlocks(blocks: unknown[], at: string, toolResults: boolean): string {
  const texts: string[] = [];
  for (let j = 0; j < blocks.length; j++) {
    const block = blocks[j];
    const blockAt = `${at}[${j}]`;
    if (!isObject(block)) throw invalidType(blockAt, "an object", block);
    const type = field(block, "type");
    if (type === "text") texts.push(partText(block, blockAt));
    else if (type === "tool_result" && toolResults) {
      const text = toolResultText(field(block, "content"), `${blockAt}.content`);
      if (text !== "") texts.push(text);
    }
  }
  return texts.join(JOIN);
}

/** A tool result's content: a string, or blocks of which only `text` ones count (one level, no deeper). */
function toolResultText(content: unknown, at: string): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw invalidType(at, "a string or an array of content blocks", content);
  return textBlocks(content, at, false);
}
