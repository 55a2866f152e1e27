/**
 * A production deployment: GUARD_ENV=production, no test mode, no ADMIN_TOKEN, and UPSTREAM_URL (which
 * production requires) pointing at a loopback port nothing listens on. Whatever it answers comes from
 * that upstream or the guard, never from the built-in mock.
 */
import { describe, expect, it } from "vitest";
import { chat, freshKey, operator, send } from "../support/client";

describe("a production deployment (GUARD_ENV=production, no test mode, no ADMIN_TOKEN)", () => {
  // In test mode a malformed test time is refused with 400; production forwards the request instead.
  it("ignores test headers instead of honouring them", async () => {
    const res = await send("/v1/chat/completions", chat("hi"), { key: freshKey("prod"), headers: { "x-guard-test-time": "not-a-time" } });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-guard-debug")).toBeNull();
    await res.text();
  });

  it("forwards to UPSTREAM_URL and never answers from the mock", async () => {
    const res = await send("/v1/chat/completions", chat("hello"), { key: freshKey("prod-up") });
    expect(res.status).toBe(502);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: { type: "api_error", code: "upstream_error" } });
    expect(body).not.toHaveProperty("choices");
    const models = await send("/v1/models", null, { key: freshKey("prod-models"), method: "GET" });
    expect(models.status).toBe(502);
    expect(await models.text()).not.toContain("mock-");
  });

  it("hides the operator API with 404 when ADMIN_TOKEN is unset", async () => {
    const res = await operator("/_guard/v1/flagged");
    expect(res.status).toBe(404);
  });
});
