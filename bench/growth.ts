/**
 * Table 5: per-request cost after 100 versus 100,000 earlier requests on the same account.
 *
 * Many accounts are prepared at each history size (a sweep: every prompt new, 40 templates, one
 * network), the earlier requests spread over the detection window so all four epochs hold data and,
 * at 100,000, every sketch is dense. Then each timed round sends one more request to every account of
 * a size; rounds of the two sizes alternate, and the median round is taken.
 */
import { hashKeyFromWords } from "../core/hash";
import type { AccountObservation } from "../durable-objects/protocol";
import { BODY_FORMATS, bodyFor, promptsOfSize } from "./data";
import { cpuMs, fmt, median, Table } from "./report";
import { accountWindow, assess, edgeWork, facts, record, type AccountWindow } from "./sim";
import { accountObservation, Rng, SWEEP } from "./streams";

const KEY = hashKeyFromWords(0x452821e6, 0x38d01377, 0xbe5466cf, 0x34e90c6c);
const BUDGET = 1.2;
/** requests to each large account per round, so a round lasts long enough to time */
const LARGE_PER_ROUND = 25;

interface Cohort {
  history: number;
  windows: AccountWindow[];
  now: number;
}

function cohort(history: number, accounts: number, rng: Rng): Cohort {
  const windows: AccountWindow[] = [];
  let now = 0;
  for (let a = 0; a < accounts; a++) {
    const w = accountWindow();
    const start = Date.UTC(2026, 0, 20);
    const span = 4 * w.epochMs;
    // the earlier requests cover the window up to now, which lies inside the current epoch
    now = start + span - Math.floor(w.epochMs / 2);
    for (let i = 0; i < history; i++) {
      const t = start + Math.floor(((i + 0.5) * (now - start)) / history);
      const obs = accountObservation(rng, SWEEP, t);
      record(w, obs, t);
      if (i % 64 === 0) assess(w, t);
    }
    windows.push(w);
  }
  return { history, windows, now };
}

type Step = (w: AccountWindow, i: number, now: number) => void;

/** CPU ms per request of one round: `perAccount` more requests to every account of the cohort. */
function round(c: Cohort, step: Step, offset: number, perAccount: number): number {
  const ms = cpuMs(() => {
    for (let k = 0; k < perAccount; k++) for (let i = 0; i < c.windows.length; i++) step(c.windows[i]!, offset + k * c.windows.length + i, c.now);
  });
  return ms / (perAccount * c.windows.length);
}

export function growthTable(): Table {
  const table = new Table("5. Growth: per-request cost against the account's history", ["work per request", "after 100", "after 100,000", "ratio", "budget"]);
  const rng = new Rng(5);
  const small = cohort(100, 400, rng);
  const large = cohort(100_000, 8, rng);

  // Observations and bodies are made before timing.
  const obsPool: AccountObservation[] = Array.from({ length: 4096 }, () => accountObservation(rng, SWEEP, small.now));
  const texts = promptsOfSize(1024, 512).flatMap((p) => BODY_FORMATS.map((f) => ({ format: f, text: bodyFor(f, p) })));
  const f = facts(small.now);

  const accountOnly: Step = (w, i, now) => {
    const obs = obsPool[i % obsPool.length]!;
    record(w, obs, now);
    assess(w, now);
  };
  const wholeCore: Step = (w, i, now) => {
    const b = texts[i % texts.length]!;
    const work = edgeWork(KEY, b.format, JSON.parse(b.text), f);
    record(w, work.obs, now);
    assess(w, now);
  };

  const steps: [string, Step][] = [
    ["account object: window updates + assessment", accountOnly],
    ["whole core: JSON.parse + features (1 KB prompt) + window updates + assessment", wholeCore],
  ];
  for (const [label, step] of steps) {
    // warm-up on separate accounts, so the timed ones stay at their history size
    const warm = cohort(100, 50, rng);
    for (let r = 0; r < 20; r++) round(warm, step, r * 1000, 1);
    const a: number[] = [];
    const b: number[] = [];
    let offset = 0;
    for (let r = 0; r < 25; r++) {
      a.push(round(small, step, offset, 1));
      offset += small.windows.length;
      b.push(round(large, step, offset, LARGE_PER_ROUND));
      offset += LARGE_PER_ROUND * large.windows.length;
    }
    const ta = median(a);
    const tb = median(b);
    const ratio = tb / ta;
    table.row([label, fmt.us(ta), fmt.us(tb), fmt.x(ratio), `≤ ${BUDGET}`], ratio <= BUDGET);
  }
  table.note(
    `"After 100": ${small.windows.length} accounts with 100 earlier requests each; every timed round adds one request to each (25 rounds: history 100–125). ` +
      `"After 100,000": ${large.windows.length} accounts with 100,000 earlier requests each; a round adds ${LARGE_PER_ROUND} to each (history 100,000–100,${25 * LARGE_PER_ROUND}). ` +
      `Rounds of the two alternate; median round, CPU time. A small account costs more per request than a large one: its sketches are still sparse ` +
      `(sorted entry arrays that grow), a large account's are dense registers that an insert rarely changes.`,
  );
  return table;
}
