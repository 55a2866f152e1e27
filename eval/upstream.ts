/**
 * An instant stand-in for the LLM behind the guard (`--fast-upstream`): a loopback HTTP server in this
 * process that the guard forwards to through UPSTREAM_URL.
 *
 * Why: the guard's built-in mock paces server-sent events (a few ms per event, so a stream really
 * arrives over time), which makes every streamed request last ~0.1 s of wall clock. The replay sends
 * one request per key at a time, so that pacing, not the guard, would set the replay's speed. The guard
 * forwards upstream answers unchanged and never reads them, so their content does not affect verdicts.
 */
import { createServer } from "node:http";
import type { ServerResponse } from "node:http";

export interface FastUpstream {
  url: string;
  close(): Promise<void>;
}

const TEXT = "This is a short answer from the evaluation's stand-in upstream.";

function sse(res: ServerResponse, events: Array<{ event?: string; data: unknown }>): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const e of events) {
    res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${typeof e.data === "string" ? e.data : JSON.stringify(e.data)}\n\n`);
  }
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": new TextEncoder().encode(text).byteLength });
  res.end(text);
}

function answer(path: string, stream: boolean, res: ServerResponse): void {
  const words = TEXT.split(" ");
  if (path.startsWith("/v1/chat/completions")) {
    if (!stream) {
      json(res, 200, {
        id: "chatcmpl-eval",
        object: "chat.completion",
        model: "eval",
        choices: [{ index: 0, message: { role: "assistant", content: TEXT }, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: words.length, total_tokens: words.length + 1 },
      });
      return;
    }
    sse(res, [
      ...words.map((w) => ({ data: { id: "chatcmpl-eval", object: "chat.completion.chunk", model: "eval", choices: [{ index: 0, delta: { content: `${w} ` }, finish_reason: null }] } })),
      { data: { id: "chatcmpl-eval", object: "chat.completion.chunk", model: "eval", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] } },
      { data: "[DONE]" },
    ]);
  } else if (path.startsWith("/v1/completions")) {
    if (!stream) {
      json(res, 200, { id: "cmpl-eval", object: "text_completion", model: "eval", choices: [{ index: 0, text: TEXT, finish_reason: "stop" }] });
      return;
    }
    sse(res, [...words.map((w) => ({ data: { id: "cmpl-eval", object: "text_completion", model: "eval", choices: [{ index: 0, text: `${w} `, finish_reason: null }] } })), { data: "[DONE]" }]);
  } else if (path.startsWith("/v1/responses")) {
    const response = { id: "resp-eval", object: "response", model: "eval", status: "completed", output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: TEXT }] }] };
    if (!stream) {
      json(res, 200, response);
      return;
    }
    sse(res, [
      { event: "response.created", data: { type: "response.created", response: { ...response, status: "in_progress", output: [] } } },
      ...words.map((w) => ({ event: "response.output_text.delta", data: { type: "response.output_text.delta", delta: `${w} ` } })),
      { event: "response.completed", data: { type: "response.completed", response } },
    ]);
  } else if (path.startsWith("/v1/messages")) {
    const message = {
      id: "msg_eval",
      type: "message",
      role: "assistant",
      model: "eval",
      content: [{ type: "text", text: TEXT }],
      stop_reason: "end_turn",
      usage: { input_tokens: 1, output_tokens: words.length },
    };
    if (!stream) {
      json(res, 200, message);
      return;
    }
    sse(res, [
      { event: "message_start", data: { type: "message_start", message: { ...message, content: [], stop_reason: null } } },
      { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
      ...words.map((w) => ({ event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: `${w} ` } } })),
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
      { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: words.length } } },
      { event: "message_stop", data: { type: "message_stop" } },
    ]);
  } else {
    json(res, 404, { error: { message: `Unknown path ${path}`, type: "invalid_request_error", code: "not_found" } });
  }
}

export function startFastUpstream(): Promise<FastUpstream> {
  const server = createServer((req, res) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      let stream = false;
      try {
        const text = new TextDecoder().decode(concat(chunks));
        stream = (JSON.parse(text) as { stream?: unknown }).stream === true;
      } catch {
        // not JSON: answer as non-streamed
      }
      answer(req.url ?? "/", stream, res);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
