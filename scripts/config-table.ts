// Prints the README's configuration tables (the plain vars, then the DETECTION_POLICY fields) from
// core/config.ts, the single source of defaults; with --write, replaces them between the README's
// config markers.
import { readFileSync, writeFileSync } from "node:fs";
import { configTable } from "../core/config";

const START = "<!-- config:start -->";
const END = "<!-- config:end -->";

if (process.argv.includes("--write")) {
  const readme = readFileSync("README.md", "utf8");
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error("README.md has no config markers");
  writeFileSync("README.md", `${readme.slice(0, a + START.length)}\n${configTable()}\n${readme.slice(b)}`);
  console.log("README.md configuration table updated");
} else {
  console.log(configTable());
}
