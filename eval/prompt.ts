/**
 * What the evaluation counts as "a prompt" when it measures leakage: the text of the request's last
 * user turn. A campaign harvests answers to its prompts, so a prompt it got answered once has leaked
 * whatever it sends afterwards. The guard itself never stores bodies; only this offline tool reads them.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Text of a message `content`: a string, or the text parts of a part/block array. */
function contentText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") texts.push(part);
    // OpenAI chat `text`, Responses `input_text`, Anthropic `text` blocks all carry `.text`.
    else if (isObject(part) && typeof part.text === "string") texts.push(part.text);
  }
  return texts.length > 0 ? texts.join("\n") : undefined;
}

function lastUserContent(items: unknown): string | undefined {
  if (!Array.isArray(items)) return undefined;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (isObject(item) && (item.role === "user" || item.role === undefined) && "content" in item) {
      const text = contentText(item.content);
      if (text !== undefined) return text;
    }
  }
  return undefined;
}

/**
 * The last user turn for the four inspected formats; `undefined` when the body has none we recognise.
 * The path is a hint only: a body is read by whichever field it carries, so odd paths still work.
 */
export function lastUserTurn(path: string, body: unknown): string | undefined {
  if (!isObject(body)) return typeof body === "string" ? body : undefined;
  if (Array.isArray(body.messages)) return lastUserContent(body.messages);
  if (path.startsWith("/v1/responses") || "input" in body) {
    if (typeof body.input === "string") return body.input;
    const text = lastUserContent(body.input);
    if (text !== undefined) return text;
  }
  if (typeof body.prompt === "string") return body.prompt;
  if (Array.isArray(body.prompt)) {
    const last = body.prompt[body.prompt.length - 1];
    if (typeof last === "string") return last;
  }
  return undefined;
}

/** The prompt text used for leakage: the last user turn, else the whole body as JSON. */
export function promptText(path: string, body: unknown): string {
  return lastUserTurn(path, body) ?? JSON.stringify(body as Json);
}
