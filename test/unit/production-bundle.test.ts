/**
 * The production entry leaves the built-in mock upstream out of its bundle: a production guard can
 * never answer real clients from it, even if its start-up check were bypassed. Bundled as wrangler
 * bundles (esbuild, `cloudflare:*` external), and compared with the development entry, which must
 * contain the mock, so the test fails if the marker it looks for ever changes.
 */
import { build } from "esbuild";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(import.meta.url), "..", "..", "..");
/** Text only the mock's answers hold (worker/mock-upstream/answer.ts). */
const MOCK_MARKER = "This is the distill-guard mock upstream";

async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [resolve(ROOT, entry)],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    // as wrangler's text rule loads the dashboard's parts
    loader: { ".html": "text" },
    logLevel: "silent",
  });
  return out.outputFiles.map((f) => f.text).join("\n");
}

describe("bundles", () => {
  it("the production entry has no mock upstream; the development entry has it", async () => {
    const [production, development] = await Promise.all([bundle("worker/production.ts"), bundle("worker/index.ts")]);
    expect(development).toContain(MOCK_MARKER);
    expect(production).not.toContain(MOCK_MARKER);
    expect(production).toContain("AccountGuard");
  }, 60_000);
});
