/**
 * The per-request work of the guard without I/O, for the Node-side tables: what `worker/guard.ts`
 * computes from a body (worker/observation.ts), and what `AccountGuard.record` does with it (window updates, then the
 * assessment), through the same functions the Durable Objects call (durable-objects/windows.ts).
 */
import { parseConfig, type Config } from "../core/config";
import type { HashKey } from "../core/hash";
import type { Assessment } from "../core/policy";
import { Ledger } from "../core/signals/ledger";
import type { ApiFormat } from "../core/types";
import type { AccountObservation } from "../durable-objects/protocol";
import {
  accountWindow as newAccountWindow,
  assessAccountWindow,
  fingerprintWindow as newFingerprintWindow,
  ACCOUNT_LEDGER_CAPACITY,
  recordAccountPrompt,
  recordFingerprint,
  type AccountWindow,
  type FingerprintWindow,
} from "../durable-objects/windows";

export type { AccountWindow, FingerprintWindow };
import { parseBody } from "../worker/formats";
import type { ClientFacts } from "../worker/identity";
import { buildObservation } from "../worker/observation";

export const CONFIG: Config = parseConfig({});

export function accountWindow(cfg: Config = CONFIG): AccountWindow {
  return newAccountWindow(cfg);
}

export function fingerprintWindow(cfg: Config = CONFIG): FingerprintWindow {
  return newFingerprintWindow(cfg);
}

export { recordFingerprint };

/** An account id of the benchmark's one account (the Worker's are keyed hashes of the key). */
const BENCH_ACCOUNT = "123456789abcdef00fedcba987654321";

export interface EdgeWork {
  obs: AccountObservation;
  fingerprints: number;
}

/** The edge Worker's CPU work on a body it has already parsed as JSON (guard.ts, minus I/O). */
export function edgeWork(key: HashKey, format: ApiFormat, value: unknown, facts: ClientFacts): EdgeWork {
  const { obs, subjects } = buildObservation(key, BENCH_ACCOUNT, facts, parseBody(format, value));
  return { obs, fingerprints: subjects.fingerprints.length };
}

/** Each simulated account's ledger of what it sent, beside its window. */
const ledgers = new WeakMap<AccountWindow, Ledger>();

/** AccountGuard.record's work before judging: classify against the ledger, update the window. */
export function record(w: AccountWindow, obs: AccountObservation, now: number): void {
  let ledger = ledgers.get(w);
  if (!ledger) ledgers.set(w, (ledger = new Ledger(ACCOUNT_LEDGER_CAPACITY)));
  recordAccountPrompt(w, ledger, null, obs, now, CONFIG.PACE_GAP_S * 1000);
}

/** AccountGuard.assess: the figures of the window and the policy's score. */
export function assess(w: AccountWindow, now: number, cfg: Config = CONFIG): Assessment {
  return assessAccountWindow(w, now, cfg);
}

/** Client facts of a typical SDK client behind Cloudflare's edge. */
export function facts(now: number): ClientFacts {
  return { now, ja4: "t13d1516h2_8daaf6152771_02713d6af862", asn: 13335, prefix: "198.51.100.0/24", ua: "OpenAI/Python 1.54.0" };
}
