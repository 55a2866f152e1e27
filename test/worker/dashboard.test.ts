import { describe, expect, it } from "vitest";
import { send } from "../support/client";

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(d)));
}

describe("dashboard page", () => {
  it("is served at /_guard/ and /_guard without a token, under a CSP that allows only its own inline script", async () => {
    for (const path of ["/_guard/", "/_guard"]) {
      const res = await send(path, null, { key: null, method: "GET" });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await res.text();
      expect(html).toContain("<title>distill-guard");
      const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
      const csp = res.headers.get("content-security-policy")!;
      expect(csp).toContain(`script-src 'sha256-${await sha256(script)}'`);
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain("unsafe-inline");
      // The page holds no data and no token.
      expect(html).not.toContain("test-admin-token");
    }
  });

  it("answers 405 to other methods", async () => {
    const res = await send("/_guard/", {}, { key: null, method: "POST" });
    expect(res.status).toBe(405);
  });
});
