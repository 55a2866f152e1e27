import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_SPEC, configTable, policyField, POLICY_SPEC, type PolicyKey } from "../../core/config";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** Markdown outside fenced code blocks: links and headings inside code are text, not structure. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const slugs = new Set<string>();
  for (const [, title] of prose(markdown).matchAll(/^#{1,6} +(.+?) *$/gm)) {
    slugs.add(
      title!
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  return slugs;
}

describe("README", () => {
  const readme = read("README.md");

  it("carries the configuration tables exactly where `npm run config:doc -- --write` writes them", () => {
    expect(readme).toContain(`<!-- config:start -->\n${configTable()}\n<!-- config:end -->`);
    for (const name of Object.keys(CONFIG_SPEC)) expect(readme).toContain(`\`${name}\``);
    expect(readme).toContain("`DETECTION_POLICY`");
    for (const key of Object.keys(POLICY_SPEC) as PolicyKey[]) expect(readme).toContain(`\`${policyField(key)}\``);
  });

  it("shows the commands a new user needs", () => {
    for (const cmd of ["npm ci", "npm run dev", "curl", "npm test", "npm run test:system", "wrangler deploy", "wrangler secret put", "npm run scenario"]) {
      expect(readme).toContain(cmd);
    }
  });

  it("stays a README: at most 350 lines, the long material in docs/", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(350);
  });

  it("points at nothing outside the repository", () => {
    expect(readme).not.toMatch(/\.\.\/shared|\/work\//);
  });
});

describe("README and docs/", () => {
  it.each(DOCS)("%s: every relative link names an existing file and heading", (file) => {
    const broken: string[] = [];
    for (const [, target] of prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^[a-z]+:/i.test(target)) continue;
      const [path, anchor] = target.split("#");
      const linked = path ? relative(ROOT, resolve(ROOT, dirname(file), path)) : file;
      if (!existsSync(join(ROOT, linked))) broken.push(`${target}: no file ${linked}`);
      else if (anchor && !anchors(read(linked)).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${linked}`);
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)("%s: cites no tracker issues or contract sections", (file) => {
    expect(read(file)).not.toMatch(/\bissue \d+|§\s*\d/i);
  });
});
