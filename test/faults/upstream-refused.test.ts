/**
 * UPSTREAM_URL points at a local port nothing listens on: connection refused is
 * a 502 in the calling API's shape, at once, logged; never a hang and never a 500.
 * workerd itself prints "Uncaught (in promise) … Network connection lost" for every refused
 * subrequest, even one whose rejection is caught (a plain caught `fetch` prints it too).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { chat, freshKey, messages, send } from "../support/client";

const lines: string[] = [];
beforeEach(() => {
  lines.length = 0;
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
});
afterEach(() => vi.restoreAllMocks());

describe("an upstream that refuses connections", () => {
  // A refused connection is answered at once: waiting out UPSTREAM_TIMEOUT_MS would answer 504
  // (gateway timeout), so the 502 itself shows the guard did not wait. No wall-clock bound here: on
  // a loaded machine one would measure the machine, not the guard.
  it("is a 502 in OpenAI's shape, not a timeout", async () => {
    const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("refused") });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { type: "api_error", code: "upstream_error" } });
    expect(lines.some((l) => l.includes('"upstream_error"'))).toBe(true);
  });

  it("is a 502 in Anthropic's shape on /v1/messages and on pass-through paths", async () => {
    const a = await send("/v1/messages", messages("hello"), { key: freshKey("refused-a") });
    expect(a.status).toBe(502);
    expect(await a.json()).toMatchObject({ type: "error", error: { type: "api_error" } });
    const o = await send("/v1/models", null, { key: freshKey("refused-o"), method: "GET" });
    expect(o.status).toBe(502);
    await o.text();
  });
});
