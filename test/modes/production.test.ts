import { describe, expect, it } from "vitest";
import { chat, freshKey, operator, send } from "../support/client";

describe("a production deployment (GUARD_ENV=production, no test mode, no ADMIN_TOKEN)", () => {
  it("ignores test headers instead of honouring them", async () => {
    const res = await send("/v1/chat/completions", chat("hi"), { key: freshKey("prod"), headers: { "x-guard-test-time": "not-a-time" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-guard-debug")).toBeNull();
  });

  it("hides the operator API with 404 when ADMIN_TOKEN is unset", async () => {
    const res = await operator("/_guard/v1/flagged");
    expect(res.status).toBe(404);
  });
});
