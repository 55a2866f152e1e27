/**
 * The per-request work of the guard without I/O, for the Node-side tables: what `worker/guard.ts`
 * computes from a body, and what `AccountGuard.record` does with it (window updates, then the
 * assessment), through the same functions the Durable Objects call (durable-objects/windows.ts).
 */
import { parseConfig, type Config } from "../core/config";
import { extractFeatures } from "../core/features";
import { hash64Hex, hashString, hashWords, type HashKey } from "../core/hash";
import type { Assessment } from "../core/policy";
import type { ApiFormat } from "../core/types";
import type { AccountObservation } from "../durable-objects/protocol";
import {
  accountWindow as newAccountWindow,
  assessAccountWindow,
  fingerprintWindow as newFingerprintWindow,
  recordAccount,
  recordFingerprint,
  type AccountWindow,
  type FingerprintWindow,
} from "../durable-objects/windows";

export type { AccountWindow, FingerprintWindow };
import { parseBody } from "../worker/formats";
import { fingerprintsFor, networkHash, type ClientFacts } from "../worker/identity";
import { promptObservation } from "../worker/observation";

export const CONFIG: Config = parseConfig({});

export function accountWindow(cfg: Config = CONFIG): AccountWindow {
  return newAccountWindow(cfg);
}

export function fingerprintWindow(cfg: Config = CONFIG): FingerprintWindow {
  return newFingerprintWindow(cfg);
}

export { recordFingerprint };

const ACCOUNT_WORDS = [0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321];

export interface EdgeWork {
  obs: AccountObservation;
  fingerprints: number;
}

/** The edge Worker's CPU work on a body it has already parsed as JSON (guard.ts, minus I/O). */
export function edgeWork(key: HashKey, format: ApiFormat, value: unknown, facts: ClientFacts): EdgeWork {
  const parsed = parseBody(format, value);
  const f = extractFeatures(key, parsed.prompt);
  const p = parsed.params;
  const prompt = promptObservation(f, parsed);
  const accountH = hashWords(key, ACCOUNT_WORDS, 0, 4);
  const pairH = hashWords(key, [accountH.hi, accountH.lo, f.prompt.hi, f.prompt.lo], 0, 4);
  const systemHash = f.system ? hash64Hex(f.system) : "";
  const endUser = p.endUser ? hashString(key, `user|${p.endUser}`) : null;
  const fps = fingerprintsFor(key, facts, parsed, systemHash);
  void pairH;
  return {
    obs: {
      now: facts.now,
      account: "bench",
      prompt,
      network: networkHash(key, facts),
      endUser: endUser ? [endUser.hi, endUser.lo] : null,
      fingerprints: fps.map((x) => x.id),
    },
    fingerprints: fps.length,
  };
}

/** AccountGuard.record's window updates. */
export function record(w: AccountWindow, obs: AccountObservation, now: number): void {
  recordAccount(w, obs, now);
}

/** AccountGuard.assess: the figures of the window and the policy's score. */
export function assess(w: AccountWindow, now: number, cfg: Config = CONFIG): Assessment {
  return assessAccountWindow(w, now, cfg);
}

/** Client facts of a typical SDK client behind Cloudflare's edge. */
export function facts(now: number): ClientFacts {
  return { now, ja4: "t13d1516h2_8daaf6152771_02713d6af862", asn: 13335, prefix: "198.51.100.0/24", ua: "OpenAI/Python 1.54.0" };
}
