import { describe, expect, it } from "vitest";
import { operator, send } from "../support/client";

describe("without ADMIN_TOKEN", () => {
  it("hides the dashboard and every operator endpoint with 404", async () => {
    expect((await send("/_guard/", null, { key: null, method: "GET" })).status).toBe(404);
    for (const path of ["/_guard/v1/overrides", "/_guard/v1/audit", "/_guard/v1/audit.jsonl", "/_guard/v1/status"]) expect((await operator(path)).status, path).toBe(404);
    expect((await operator(`/_guard/v1/accounts/${"a".repeat(32)}/lift`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});
