/**
 * Campaigns of an attacker who has read "How detection works" and the defaults (MIN_REQUESTS 13,
 * NOVELTY_RATIO 0.85, SINGLE_SHOT_RATIO 0.7, harvesting = logprobs / n > 1 / max_tokens >= 4096,
 * the end-user cap at >= 10 ids, FP_MIN_ACCOUNTS 4, NETWORK_SPREAD 0.8, the 5000-prompt budget) and
 * shapes traffic to slip under each rule. One shape per rule:
 *
 * - `fabricated`: every request carries 1-3 invented earlier turns, so nothing is single-shot;
 * - `padding`: 20-30 % exact repeats of its own earlier prompts keep novelty under the ratio;
 * - `enduser`: a random end-user id on every request buys the app cap;
 * - `swarm`: hundreds of keys under MIN_REQUESTS each, each on its own common client and home address;
 * - `mimicry`: dataset prompts interleaved 1:1 with people's chat, at human hours in one time zone;
 * - `reasoning`: dataset prompts wrapped in rotating step-by-step or grading instructions (the
 *   answers a reasoning distiller wants), so no two share a frame.
 *
 * All use SDK-default parameters (see sdk-clients.ts): no logprobs, and `max_tokens` only as large
 * as the crowd's own clients send, so the parameters tell nobody apart. Addresses stay put per key
 * (a sticky residential proxy), so address rotation never fires.
 */
import type { Api, BodyStyle, Turn } from "./bodies";
import { pickRegion } from "./benign";
import { campaignStart, promptSource, single } from "./campaign-common";
import type { CampaignInfo, SourceMix } from "./campaign-common";
import { DAY, HOUR, MINUTE, PEOPLE_HOURS, SECOND, localMoment, pause } from "./context";
import type { Client, Scenario } from "./context";
import type { PromptRow } from "./data";
import { HOSTING_ASNS, REGIONS, apiKey } from "./network";
import { assistantReply, personPrompt } from "./people-prompts";
import { FOLLOW_UPS } from "./phrases";
import type { Rng } from "../../tools/prng";
import { reasoningPrompt } from "./reasoning-wrappers";
import { SDK_CLIENTS, sdkSetup, sdkStyle } from "./sdk-clients";
import type { SdkSetup } from "./sdk-clients";

type Range = [number, number];

export type AdaptiveSpec =
  | { type: "fabricated"; keys: number; perKey: Range; history: Range; sources: SourceMix }
  | { type: "padding"; keys: number; perKey: Range; repeatShare: Range; sources: SourceMix }
  | { type: "enduser"; keys: number; perKey: Range; endUsers: number; sources: SourceMix }
  | { type: "swarm"; keys: number; perKey: Range; arrivalDays: number; sharedSystem: boolean; sources: SourceMix }
  | { type: "mimicry"; keys: number; perKey: Range; share: number; sources: SourceMix }
  | { type: "reasoning"; keys: number; perKey: Range; rubricShare: number; sources: SourceMix };

/** A wrapper instruction some campaigns put in the system prompt of every key. */
const CAMPAIGN_WRAPPER = "You are a knowledgeable assistant. Answer the user's request completely and accurately, with all relevant detail.";

/** A key's stable home: one residential address of a region, as a sticky residential proxy gives. */
function homeClient(s: Scenario, rng: Rng, setup: SdkSetup, region = pickRegion(rng)): Client {
  const asn = rng.pick(region.residential);
  return { ip: s.net.ipv4(asn, rng), asn, ua: setup.ua, ja4: setup.ja4 };
}

/** Planned times of `n` requests from `from` on: sessions of a script at any hour, minutes apart inside. */
function scriptTimes(s: Scenario, rng: Rng, n: number, from: number): number[] {
  const times: number[] = [];
  const span = Math.max(HOUR, s.end - from);
  const sessions = Math.max(1, Math.round(n / rng.int(15, 40)));
  const starts = Array.from({ length: sessions }, () => from + rng.float(0, span * 0.95)).sort((a, b) => a - b);
  let cursor = 0;
  for (let k = 0; k < sessions; k++) {
    let t = Math.max(starts[k]!, cursor + 10 * MINUTE);
    for (let i = 0; i < Math.ceil(n / sessions) && times.length < n; i++) {
      times.push(t);
      t += pause(rng, 50 * SECOND, 0.7, 8 * SECOND, 8 * MINUTE);
    }
    cursor = t;
  }
  return times;
}

interface Tally {
  keys: number;
  apis: Set<Api>;
  families: Set<string>;
  fingerprints: Set<string>;
  campaignPrompts: number;
}

function info(id: string, type: string, tally: Tally, sources: string[], extra: Partial<CampaignInfo> = {}): CampaignInfo {
  return {
    id,
    type,
    accounts: tally.keys,
    format: tally.families.size === 1 ? ([...tally.families][0] as "openai" | "anthropic") : "mixed",
    api: tally.apis.size === 1 ? [...tally.apis][0]! : "mixed",
    sources,
    ...extra,
  };
}

function newTally(): Tally {
  return { keys: 0, apis: new Set(), families: new Set(), fingerprints: new Set(), campaignPrompts: 0 };
}

/** A key on a common client with its defaults; counted in the tally. */
function sdkKey(rng: Rng, tally: Tally, system?: string): { setup: SdkSetup; style: BodyStyle; key: string } {
  const setup = sdkSetup(rng);
  tally.keys++;
  tally.apis.add(setup.api);
  tally.families.add(setup.family);
  tally.fingerprints.add(`${setup.ua}|${setup.ja4}`);
  return { setup, style: sdkStyle(rng, setup, system), key: apiKey(rng, setup.family) };
}

function fabricated(s: Scenario, id: string, spec: Extract<AdaptiveSpec, { type: "fabricated" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const tally = newTally();
  const from = campaignStart(s, rng, 0.4);
  for (let k = 0; k < s.count(spec.keys, 2); k++) {
    const { setup, style, key } = sdkKey(rng, tally);
    const client = homeClient(s, rng, setup);
    for (const t of scriptTimes(s, rng, rng.int(spec.perKey[0], spec.perKey[1]), from + rng.float(0, 6) * HOUR)) {
      const row = source.next();
      if (!row) break;
      // A conversation that never happened: invented user turns and answers, the harvested prompt last.
      const turns: Turn[] = [];
      for (let h = rng.int(spec.history[0], spec.history[1]); h > 0; h--) {
        turns.push({ role: "user", text: turns.length === 0 ? personPrompt(rng) : rng.pick(FOLLOW_UPS) }, { role: "assistant", text: assistantReply(rng) });
      }
      turns.push({ role: "user", text: row.text });
      s.send(id, "extraction", key, t, client, style, turns);
    }
  }
  return info(id, "fabricated", tally, source.sources);
}

function padding(s: Scenario, id: string, spec: Extract<AdaptiveSpec, { type: "padding" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const tally = newTally();
  const from = campaignStart(s, rng, 0.4);
  for (let k = 0; k < s.count(spec.keys, 2); k++) {
    const { setup, style, key } = sdkKey(rng, tally);
    const client = homeClient(s, rng, setup);
    const repeat = rng.float(spec.repeatShare[0], spec.repeatShare[1]);
    const sent: PromptRow[] = [];
    for (const t of scriptTimes(s, rng, rng.int(spec.perKey[0], spec.perKey[1]), from + rng.float(0, 6) * HOUR)) {
      // An exact repeat of any earlier prompt of this key, so distinct / requests stays under the ratio.
      let row: PromptRow | undefined = sent.length >= 3 && rng.chance(repeat) ? rng.pick(sent) : undefined;
      if (!row) {
        row = source.next();
        if (!row) break;
        sent.push(row);
      }
      s.send(id, "extraction", key, t, client, style, single(row.text));
    }
  }
  return info(id, "padding", tally, source.sources);
}

function enduser(s: Scenario, id: string, spec: Extract<AdaptiveSpec, { type: "enduser" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const tally = newTally();
  const from = campaignStart(s, rng, 0.3);
  const ids = Array.from({ length: spec.endUsers }, () => (rng.chance(0.5) ? `user_${rng.string(12, "0123456789abcdef")}` : `${rng.int(100000, 9999999)}`));
  for (let k = 0; k < s.count(spec.keys, 1); k++) {
    // Looks like an app's backend: a server SDK in a datacenter, a few addresses, an id per end user.
    const setup = sdkSetup(rng, SDK_CLIENTS[rng.int(0, 3)]);
    const style = sdkStyle(rng, setup, rng.chance(0.5) ? CAMPAIGN_WRAPPER : undefined);
    const key = apiKey(rng, setup.family);
    tally.keys++;
    tally.apis.add(setup.api);
    tally.families.add(setup.family);
    const asn = rng.pick(HOSTING_ASNS);
    const ips = s.net.ipv4Block(asn, rng, rng.int(2, 6));
    const field = setup.api === "messages" ? "metadata" : rng.pick(["user", "safety_identifier"]);
    for (const t of scriptTimes(s, rng, rng.int(spec.perKey[0], spec.perKey[1]), from + rng.float(0, 4) * HOUR)) {
      const row = source.next();
      if (!row) break;
      const user = rng.pick(ids);
      const extra = field === "metadata" ? { metadata: { user_id: user } } : { [field]: user };
      s.send(id, "extraction", key, t, { ip: rng.pick(ips), asn, ua: setup.ua, ja4: setup.ja4 }, { ...style, extra }, single(row.text));
    }
  }
  return info(id, "enduser", tally, source.sources);
}

function swarm(s: Scenario, id: string, spec: Extract<AdaptiveSpec, { type: "swarm" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const tally = newTally();
  const from = campaignStart(s, rng, 0.2);
  const arrival = Math.min(spec.arrivalDays * DAY, Math.max(HOUR, s.end - from - DAY));
  for (let k = 0; k < s.count(spec.keys, 4); k++) {
    // Each key: its own client build, its own home address and ASN, under MIN_REQUESTS over a day or two.
    const { setup, style, key } = sdkKey(rng, tally, spec.sharedSystem ? CAMPAIGN_WRAPPER : undefined);
    const client = homeClient(s, rng, setup, rng.pick(REGIONS));
    const first = from + rng.float(0, arrival);
    const life = rng.float(6 * HOUR, 2 * DAY);
    const times = Array.from({ length: rng.int(spec.perKey[0], spec.perKey[1]) }, () => first + rng.float(0, life)).sort((a, b) => a - b);
    for (const t of times) {
      const row = source.next();
      if (!row) break;
      s.send(id, "extraction", key, t, client, style, single(row.text));
    }
  }
  return info(id, "swarm", tally, source.sources, { fingerprints: tally.fingerprints.size });
}

function mimicry(s: Scenario, id: string, spec: Extract<AdaptiveSpec, { type: "mimicry" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const tally = newTally();
  // The operators work their own day, in one time zone.
  const region = pickRegion(rng);
  for (let k = 0; k < s.count(spec.keys, 2); k++) {
    const { setup, style, key } = sdkKey(rng, tally);
    const client = homeClient(s, rng, setup, region);
    const total = rng.int(spec.perKey[0], spec.perKey[1]);
    const sessions = Math.max(1, Math.round(total / rng.int(8, 16)));
    const starts = Array.from({ length: sessions }, () => localMoment(s, rng, rng.int(0, s.days - 1), region, PEOPLE_HOURS)).sort((a, b) => a - b);
    let cursor = 0;
    let sent = 0;
    for (const planned of starts) {
      let t = Math.max(planned, cursor + 15 * MINUTE);
      for (let i = 0; i < Math.ceil(total / sessions) && sent < total; ) {
        if (rng.chance(spec.share)) {
          const row = source.next();
          if (!row) break;
          tally.campaignPrompts++;
          s.send(id, "extraction", key, t, client, style, single(row.text));
          i++;
          sent++;
          t += pause(rng, 70 * SECOND, 0.8, 10 * SECOND, 10 * MINUTE);
          continue;
        }
        // Cover: a person's question, sometimes followed up once or twice.
        const history: Turn[] = [{ role: "user", text: personPrompt(rng) }];
        for (let turn = 0, turns = rng.chance(0.35) ? rng.int(2, 3) : 1; turn < turns; turn++) {
          if (turn > 0) history.push({ role: "assistant", text: assistantReply(rng) }, { role: "user", text: rng.pick(FOLLOW_UPS) });
          s.send(id, "extraction", key, t, client, style, history);
          i++;
          sent++;
          t += pause(rng, 70 * SECOND, 0.8, 10 * SECOND, 10 * MINUTE);
        }
      }
      cursor = t;
    }
  }
  return info(id, "mimicry", tally, source.sources, { campaignPrompts: tally.campaignPrompts });
}

function reasoning(s: Scenario, id: string, spec: Extract<AdaptiveSpec, { type: "reasoning" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const tally = newTally();
  const from = campaignStart(s, rng, 0.4);
  for (let k = 0; k < s.count(spec.keys, 2); k++) {
    const { setup, style, key } = sdkKey(rng, tally);
    const client = homeClient(s, rng, setup);
    for (const t of scriptTimes(s, rng, rng.int(spec.perKey[0], spec.perKey[1]), from + rng.float(0, 6) * HOUR)) {
      const row = source.next();
      if (!row) break;
      s.send(id, "extraction", key, t, client, style, single(reasoningPrompt(rng, row.text, rng.chance(spec.rubricShare))));
    }
  }
  return info(id, "reasoning", tally, source.sources);
}

export function adaptiveCampaign(s: Scenario, id: string, spec: AdaptiveSpec): CampaignInfo {
  switch (spec.type) {
    case "fabricated":
      return fabricated(s, id, spec);
    case "padding":
      return padding(s, id, spec);
    case "enduser":
      return enduser(s, id, spec);
    case "swarm":
      return swarm(s, id, spec);
    case "mimicry":
      return mimicry(s, id, spec);
    case "reasoning":
      return reasoning(s, id, spec);
  }
}
