import { describe, expect, it } from "vitest";
import { REPORT_STYLE } from "../../core/campaigns/report-html";
import { send } from "../support/client";

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(d)));
}

describe("dashboard page", () => {
  it("is served at /_guard/ and /_guard without a token, under a CSP that allows only its own inline scripts", async () => {
    for (const path of ["/_guard/", "/_guard"]) {
      const res = await send(path, null, { key: null, method: "GET" });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await res.text();
      expect(html).toContain("<title>distill-guard");
      // One inline script per part of the page, each allowed by its own hash and nothing else.
      const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      expect(scripts.length).toBeGreaterThan(1);
      const csp = res.headers.get("content-security-policy")!;
      const allowed = /script-src ([^;]*)/.exec(csp)![1]!.split(" ");
      expect(allowed.sort()).toEqual((await Promise.all(scripts.map(async (s) => `'sha256-${await sha256(s)}'`))).sort());
      expect(html).not.toContain("<!-- scripts -->");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain("unsafe-inline");
      // Its styles, and the printable evidence report's, which opens from a blob: URL under this policy.
      const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
      const styleSrc = /style-src ([^;]*)/.exec(csp)![1]!.split(" ");
      expect(styleSrc.sort()).toEqual((await Promise.all([...styles, REPORT_STYLE].map(async (s) => `'sha256-${await sha256(s)}'`))).sort());
      // The page holds no data and no token.
      expect(html).not.toContain("test-admin-token");
    }
  });

  it("answers 405 to other methods", async () => {
    const res = await send("/_guard/", {}, { key: null, method: "POST" });
    expect(res.status).toBe(405);
  });
});
