/**
 * The per-request work of the guard without I/O, for the Node-side tables: what `worker/guard.ts`
 * computes from a body, and what `AccountGuard.record` does with it (window updates, then the
 * assessment). The Durable Object imports `cloudflare:workers` and cannot run on Node, so its
 * `record` is mirrored here; keep the two in step.
 */
import { parseConfig, type Config } from "../core/config";
import { extractFeatures } from "../core/features";
import { hash64Hex, hashString, hashWords, type HashKey } from "../core/hash";
import { assessAccount, type Assessment } from "../core/policy";
import type { ApiFormat } from "../core/types";
import { EpochWindow } from "../core/window";
import type { AccountObservation, FingerprintObservation, PromptObservation } from "../durable-objects/protocol";
import { ACCOUNT_SCHEMA, FINGERPRINT_SCHEMA, TOPIC_BUCKETS, type AccountCounter, type AccountSketch, type FingerprintCounter, type FingerprintSketch } from "../durable-objects/schemas";
import { parseBody } from "../worker/formats";
import { fingerprintsFor, networkHash, type ClientFacts } from "../worker/identity";

export type AccountWindow = EpochWindow<AccountSketch, AccountCounter>;
export type FingerprintWindow = EpochWindow<FingerprintSketch, FingerprintCounter>;

export const CONFIG: Config = parseConfig({});

export function accountWindow(cfg: Config = CONFIG): AccountWindow {
  return new EpochWindow(ACCOUNT_SCHEMA, cfg.DETECTION_WINDOW_S * 1000);
}

export function fingerprintWindow(cfg: Config = CONFIG): FingerprintWindow {
  return new EpochWindow(FINGERPRINT_SCHEMA, cfg.FINGERPRINT_WINDOW_S * 1000);
}

/** FingerprintGuard.observe's window updates. */
export function recordFingerprint(w: FingerprintWindow, obs: FingerprintObservation): void {
  const { now, prompt: p } = obs;
  w.count(now, "requests");
  w.count(now, "tokens", p.tokens);
  if (p.singleShot) w.count(now, "singleShot");
  if (p.harvest) w.count(now, "harvest");
  w.insert(now, "prompts", p.prompt[0], p.prompt[1]);
  w.insert(now, "templates", p.template[0], p.template[1]);
  w.insert(now, "accounts", obs.account[0], obs.account[1]);
  w.insert(now, "pairs", obs.pair[0], obs.pair[1]);
  w.markTopic(now, p.topic);
}

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
  const prompt: PromptObservation = {
    prompt: [f.prompt.hi, f.prompt.lo],
    template: [f.template.hi, f.template.lo],
    conversation: [f.conversation.hi, f.conversation.lo],
    shingles: f.shingles,
    topic: f.topic,
    singleShot: parsed.prompt.assistantTurns === 0 && f.turns <= 1,
    harvest: p.logprobs || p.n > 1 || (p.maxTokens !== undefined && p.maxTokens >= 4096),
    tokens: f.tokens,
  };
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
  const p = obs.prompt!;
  w.count(now, "requests");
  w.count(now, "tokens", p.tokens);
  if (p.singleShot) w.count(now, "singleShot");
  if (p.harvest) w.count(now, "harvest");
  w.insert(now, "prompts", p.prompt[0], p.prompt[1]);
  w.insert(now, "templates", p.template[0], p.template[1]);
  w.insert(now, "conversations", p.conversation[0], p.conversation[1]);
  w.insertAll(now, "shingles", p.shingles);
  w.count(now, "shingleSamples", p.shingles.length >>> 1);
  w.markTopic(now, p.topic);
  if (obs.network) w.insert(now, "networks", obs.network[0], obs.network[1]);
  if (obs.endUser) w.insert(now, "endUsers", obs.endUser[0], obs.endUser[1]);
}

/** AccountGuard.assess: the figures of the window and the policy's score. */
export function assess(w: AccountWindow, now: number, cfg: Config = CONFIG): Assessment {
  const f = w.figures(now);
  return assessAccount(
    {
      requests: f.counters.requests,
      distinctPrompts: f.distinct.prompts,
      distinctTemplates: f.distinct.templates,
      singleShot: f.counters.singleShot,
      harvest: f.counters.harvest,
      topics: f.topics,
      topicBuckets: TOPIC_BUCKETS,
      shingles: f.distinct.shingles,
      shingleSamples: f.counters.shingleSamples,
      networks: f.distinct.networks,
      endUsers: f.distinct.endUsers,
    },
    cfg,
  );
}

/** Client facts of a typical SDK client behind Cloudflare's edge. */
export function facts(now: number): ClientFacts {
  return { now, ja4: "t13d1516h2_8daaf6152771_02713d6af862", asn: 13335, prefix: "198.51.100.0/24", ua: "OpenAI/Python 1.54.0" };
}
