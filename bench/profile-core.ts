/**
 * The core's per-request work (table 1's loop: JSON.parse, features, the request's hashes, the
 * account window's updates) on prompts of one size, for a CPU profile. docs/performance.md has the
 * commands (build with eval/run.mjs, run the bundle under `node --cpu-prof`, summarise with
 * bench/profile-summary.ts) and the table read from them.
 */
import { hashKeyFromWords } from "../core/hash";
import { BODY_FORMATS, bodyFor, promptsOfSize } from "./data";
import { accountWindow, edgeWork, facts, record } from "./sim";

const KEY = hashKeyFromWords(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344);
const NOW = Date.UTC(2026, 0, 10);
const bytes = Number(process.argv[2] ?? 8192);
const seconds = Number(process.argv[3] ?? 5);
const texts = BODY_FORMATS.flatMap((format) => promptsOfSize(bytes, 128).map((p) => ({ format, text: bodyFor(format, p) })));
const f = facts(NOW);
let sink = 0;
let n = 0;
const end = performance.now() + seconds * 1000;
while (performance.now() < end) {
  const w = accountWindow();
  for (const { format, text } of texts) {
    const work = edgeWork(KEY, format, JSON.parse(text), f);
    record(w, work.obs, NOW);
    sink += work.fingerprints;
    n++;
  }
}
process.stdout.write(`profile-core: ${n} requests of ${bytes} B prompts in ${seconds} s (${sink > 0 ? "ok" : "?"})\n`);
