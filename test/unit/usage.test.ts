import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ApiFormat } from "../../core/types";
import { parseBody } from "../../worker/formats";
import { compose, type SseEvent } from "../../worker/mock-upstream/answer";
import { anthropicEvents, anthropicMessage, chatCompletion, chatEvents, completionEvents, responseEvents, responseObject, textCompletion } from "../../worker/mock-upstream/shapes";
import { meterBody, UsageReader, type AnswerKind } from "../../worker/usage";

const enc = new TextEncoder();

function sseText(events: SseEvent[], eol = "\n"): string {
  return events.map((e) => `${e.event !== undefined ? `event: ${e.event}${eol}` : ""}data: ${e.data}${eol}${eol}`).join("");
}

function read(kind: AnswerKind, chunks: Uint8Array[], complete = true) {
  const r = new UsageReader(kind);
  for (const c of chunks) r.push(c);
  return r.finish(complete);
}

/** Splits bytes at the given cut points (anywhere, UTF-8 sequences and CRLF pairs included). */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.slice(prev, c));
    prev = c;
  }
  return out;
}

const BODY = { model: "m", max_tokens: 100_000, messages: [{ role: "user", content: "Write at length" }] };
function answer(format: ApiFormat, words: number) {
  const body =
    format === "openai-responses" ? { model: "m", input: "Write", max_output_tokens: 100_000 } : format === "openai-completions" ? { model: "m", prompt: "Write", max_tokens: 100_000 } : BODY;
  return compose(format, parseBody(format, body), words);
}

describe("usage in JSON answers", () => {
  it("reads completion_tokens (OpenAI) and output_tokens (Anthropic, Responses)", () => {
    const cases: [ApiFormat, unknown][] = [
      ["openai-chat", chatCompletion(answer("openai-chat", 1234))],
      ["openai-completions", textCompletion(answer("openai-completions", 1234))],
      ["openai-responses", responseObject(answer("openai-responses", 1234), {}, "completed")],
      ["anthropic-messages", anthropicMessage(answer("anthropic-messages", 1234))],
    ];
    for (const [format, body] of cases) {
      expect(read("json", [enc.encode(JSON.stringify(body))]), format).toEqual({ tokens: 1234, reported: true });
    }
  });

  it("estimates from the answer text when no usage is reported, or when the answer was cut short", () => {
    const text = "x".repeat(4000);
    const body = { choices: [{ message: { role: "assistant", content: text } }] };
    expect(read("json", [enc.encode(JSON.stringify(body))])).toEqual({ tokens: 1000, reported: false });
    const whole = enc.encode(JSON.stringify(chatCompletion(answer("openai-chat", 500))));
    const half = whole.slice(0, whole.length >> 1);
    const cutShort = read("json", [half], false);
    expect(cutShort.reported).toBe(false);
    expect(cutShort.tokens).toBe(Math.ceil(half.length / 4));
  });
});

describe("usage in streamed answers", () => {
  const streams: [string, SseEvent[], number][] = [
    ["chat with include_usage", chatEvents(answer("openai-chat", 777), true), 777],
    ["legacy completions with include_usage", completionEvents(answer("openai-completions", 777), true), 777],
    ["responses", responseEvents(answer("openai-responses", 777), {}), 777],
    ["anthropic message_start/message_delta", anthropicEvents(answer("anthropic-messages", 777)), 777],
  ];

  it.each(streams)("reads the reported usage of %s", (_, events, tokens) => {
    expect(read("sse", [enc.encode(sseText(events))])).toEqual({ tokens, reported: true });
  });

  it("estimates a chat stream without a usage chunk from its text", () => {
    const a = answer("openai-chat", 777);
    const r = read("sse", [enc.encode(sseText(chatEvents(a, false)))]);
    expect(r).toEqual({ tokens: Math.ceil(a.text.length / 4), reported: false });
  });

  it("charges at least the text seen when a stream is cut short, not Anthropic's early output_tokens", () => {
    const a = answer("anthropic-messages", 4000);
    const events = anthropicEvents(a);
    // message_start (output_tokens: 1), block start, ping and half of the deltas, then the client left
    const seen = events.slice(0, 3 + (a.pieces.length >> 1));
    const r = read("sse", [enc.encode(sseText(seen))], false);
    const chars = a.pieces.slice(0, a.pieces.length >> 1).join("").length;
    expect(r).toEqual({ tokens: Math.ceil(chars / 4), reported: false });
    expect(r.tokens).toBeGreaterThan(1000);
  });

  it("counts a Responses stream's text once, though its last events repeat it", () => {
    const a = answer("openai-responses", 800);
    const events = responseEvents(a, {}).filter((e) => !e.data.includes('"usage":{'));
    expect(read("sse", [enc.encode(sseText(events))])).toEqual({ tokens: Math.ceil(a.text.length / 4), reported: false });
  });

  it("reads the same usage however the stream is split into chunks (LF, CRLF, multi-byte text)", () => {
    const a = answer("anthropic-messages", 300);
    const events = anthropicEvents(a).map((e) => (e.event === "content_block_delta" ? { ...e, data: e.data.replace("This", "Ça — 東京 🚀") } : e));
    const noUsage = chatEvents(answer("openai-chat", 300), false).map((e) => ({ ...e, data: e.data.replace("mock", "mök 東京") }));
    fc.assert(
      fc.property(fc.constantFrom("\n", "\r\n", "\r"), fc.array(fc.nat(), { maxLength: 40 }), fc.boolean(), (eol, cuts, withUsage) => {
        const bytes = enc.encode(sseText(withUsage ? events : noUsage, eol));
        const whole = read("sse", [bytes]);
        expect(read("sse", cut(bytes, cuts))).toEqual(whole);
        expect(whole.reported).toBe(withUsage);
      }),
      { numRuns: 300 },
    );
  });

  it("does not let an over-long line swallow the events after it", () => {
    const long = `data: {"x":"${"a".repeat(1_100_000)}"}\n\n`;
    const tail = sseText(chatEvents(answer("openai-chat", 42), true));
    expect(read("sse", cut(enc.encode(long + tail), [10_000, 600_000, 1_200_000]))).toEqual({ tokens: 42, reported: true });
  });
});

describe("meterBody", () => {
  it("passes each chunk on before the next one exists, unchanged", async () => {
    const chunks = ['data: {"choices":[{"delta":{"content":"he', 'llo"}}]}\n\n', 'data: {"choices":[],"usage":{"completion_tokens":9}}\n\ndata: [DONE]\n\n'].map((s) => enc.encode(s));
    let release: () => void = () => {};
    let sent = 0;
    const source = new ReadableStream<Uint8Array>({
      async pull(c) {
        // each chunk after the first waits until the client has read the one before it
        if (sent > 0) await new Promise<void>((r) => (release = r));
        c.enqueue(chunks[sent++]!);
        if (sent === chunks.length) c.close();
      },
    });
    const { body, usage } = meterBody(source, "sse");
    const reader = body.getReader();
    const got: Uint8Array[] = [];
    for (;;) {
      const next = reader.read();
      setTimeout(() => release(), 0);
      const { done, value } = await next;
      if (done) break;
      got.push(value);
    }
    expect(got).toEqual(chunks);
    expect(await usage).toEqual({ tokens: 9, reported: true });
  });

  it("settles with what was seen when the client cancels mid-stream", async () => {
    const text = "y".repeat(400);
    let n = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        n++;
        c.enqueue(enc.encode(`data: ${JSON.stringify({ choices: [{ delta: { content: text } }] })}\n\n`));
      },
    });
    const { body, usage } = meterBody(source, "sse");
    const reader = body.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel("client went away");
    const u = await usage;
    expect(u.reported).toBe(false);
    expect(u.tokens).toBeGreaterThanOrEqual(200);
    expect(u.tokens).toBeLessThanOrEqual(n * 100);
  });
});
