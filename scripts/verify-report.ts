/**
 * Verifies a saved campaign evidence report against the guard's public key.
 *
 *   npm run verify-report -- report.json [--public-key key.pem|evidence-key.json]
 *
 * The key is the guard's published one (`GET /_guard/v1/evidence-key`, saved as JSON, or its `pem`
 * saved as a file). Without --public-key the key embedded in the report is used, which proves the
 * report is intact but not who signed it. Exit code 0: valid; 1: invalid or unsigned; 2: usage.
 */
import { readFileSync } from "node:fs";
import { publicKeyFrom, verifyReport } from "../tools/report-verify";

const args = process.argv.slice(2);
const at = args.indexOf("--public-key");
const keyPath = at >= 0 ? args[at + 1] : undefined;
const file = args.find((a, i) => !a.startsWith("--") && (at < 0 || i !== at + 1));
if (!file || (at >= 0 && !keyPath)) {
  console.error("usage: npm run verify-report -- REPORT.json [--public-key KEY.pem|evidence-key.json]");
  process.exit(2);
}
let report: unknown;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (err) {
  console.error(`cannot read ${file} as JSON: ${(err as Error).message}`);
  process.exit(2);
}
const key = keyPath ? publicKeyFrom(readFileSync(keyPath, "utf8")) : undefined;
const result = verifyReport(report, key);
console.log(`${file}: ${result.detail}${result.ok && result.embeddedKey ? " (with the key embedded in the report: pass --public-key to check who signed it)" : ""}`);
process.exit(result.ok ? 0 : 1);
