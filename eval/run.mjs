// Runs a TypeScript entry point of eval/ on this Node (22 under `npm run`, whose PATH puts
// node_modules/.bin/node first). It bundles with esbuild (installed with wrangler) rather than using
// Node's type stripping because the sources import each other without `.ts` extensions, as the
// project's tsconfig (no allowImportingTsExtensions) and vitest expect. Packages stay external.
import { build } from "esbuild";
import { renameSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node eval/run.mjs <entry.ts> [args...]");
  process.exit(2);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "out", ".build", `${basename(dirname(entry))}-${basename(entry, ".ts")}.mjs`);
// Built under a private name and renamed into place: several runs may start at once.
const partial = `${outfile}.${process.pid}.tmp`;
await build({
  entryPoints: [resolve(root, entry)],
  outfile: partial,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  sourcemap: "inline",
  logLevel: "warning",
});
renameSync(partial, outfile);
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
