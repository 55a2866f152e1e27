/**
 * Table 4: bytes per tracked subject after 10, 1,000 and 100,000 distinct prompts, in memory
 * (EpochWindow.byteSize: sketch registers or sparse entries, counters, topic bitsets) and serialised
 * (the epoch rows the object writes to SQLite). Requests are spread evenly over the detection window
 * ending now, so every epoch holds data; every request is new to every sketch (new template,
 * network and end user too), which is the largest state a subject can build.
 */
import { ACCOUNT_SCHEMA, FINGERPRINT_SCHEMA } from "../durable-objects/schemas";
import { accountWindow, fingerprintWindow, record, recordFingerprint, type AccountWindow, type FingerprintWindow } from "./sim";
import { fmt, Table } from "./report";
import { accountObservation, fingerprintObservation, Rng, WORST_CASE } from "./streams";

const SIZES = [10, 1_000, 100_000];
const DAY0 = Date.UTC(2026, 0, 20);
const SMALL = 2 * 1024;
const LARGE = 16 * 1024;

function serialised(w: AccountWindow | FingerprintWindow): number {
  let n = 0;
  for (const e of w.live()) n += e.marshal().byteLength;
  return n;
}

function describe(schema: { sketches: Record<string, number> }): string {
  return Object.entries(schema.sketches)
    .map(([k, p]) => `${k} p${p}`)
    .join(", ");
}

export function memoryTable(): Table {
  const table = new Table("4. Memory and storage per tracked subject (one detection window)", ["subject", "distinct prompts", "in memory", "serialised", "budget"]);
  for (const kind of ["account", "fingerprint"] as const) {
    for (const n of SIZES) {
      const rng = new Rng(n);
      const w = kind === "account" ? accountWindow() : fingerprintWindow();
      // the four live epochs exactly: from the start of the oldest to the end of the current one
      const start = DAY0;
      const span = 4 * w.epochMs;
      const now = start + span - 1;
      for (let i = 0; i < n; i++) {
        const t = start + Math.floor(((i + 0.5) * span) / n);
        if (kind === "account") record(w as AccountWindow, accountObservation(rng, WORST_CASE, t), t);
        else recordFingerprint(w as FingerprintWindow, fingerprintObservation(rng, WORST_CASE, t, [rng.u32(), rng.u32()]));
      }
      w.expire(now);
      const mem = w.byteSize();
      const ser = serialised(w);
      const limit = n < 100 ? SMALL : LARGE;
      table.row([kind, fmt.int(n), fmt.bytes(mem), fmt.bytes(ser), `≤ ${fmt.bytes(limit)}`], mem <= limit && ser <= limit);
    }
  }
  table.note(
    `Account: ${describe(ACCOUNT_SCHEMA)} per epoch, plus ${ACCOUNT_SCHEMA.counters.length} counters and a ${ACCOUNT_SCHEMA.topicBuckets}-bit topic set. ` +
      `Fingerprint shard: ${describe(FINGERPRINT_SCHEMA)}, same counters and topics. Four epochs per window; a sketch stays sparse (4 bytes an entry, exact) ` +
      `up to m/4 entries, then holds one byte per register in memory and 6 bits per register when serialised. Worst case: every request is new to every sketch.`,
  );
  return table;
}
