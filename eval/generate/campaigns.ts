/**
 * Extraction campaigns: someone harvesting answers to a prompt collection. The four shapes of the dev
 * scenario (heavy, hydra, slow, blend) with other sizes, pacing, formats and sources, and three it
 * lacks: `rotating` (keys in cohorts, each cohort on new client software and addresses), `paraphrase`
 * (every dataset prompt wrapped in varied phrasing, so no two texts share an exact template), and
 * `multiturn` (dataset prompts sent inside growing conversation histories, as if chatting). The shapes
 * of an attacker who knows how the guard detects are in adaptive.ts.
 */
import { adaptiveCampaign } from "./adaptive";
import type { AdaptiveSpec } from "./adaptive";
import { ASSISTANT_PLACEHOLDERS } from "./bodies";
import type { Api, BodyStyle, Turn } from "./bodies";
import { apiOf, personStyle, pickRegion } from "./benign";
import { campaignStart, campaignStyle, formatOf, promptSource, single } from "./campaign-common";
import type { CampaignInfo, SourceMix } from "./campaign-common";
import { HOUR, MINUTE, PEOPLE_HOURS, SECOND, localMoment, pause } from "./context";
import type { Scenario } from "./context";
import type { PromptRow } from "./data";
import { HOSTING_ASNS, PEOPLE_STACKS, REGIONS, STACKS, apiKey } from "./network";
import type { ClientStack } from "./network";
import { CAMPAIGN_SYSTEM_PROMPTS, FOLLOW_UPS, PARAPHRASE_CLOSERS, PARAPHRASE_OPENERS } from "./phrases";
import type { Rng } from "../../tools/prng";

export type CampaignSpec =
  | { type: "heavy"; prompts: number; api: Api; stack: string; sweep: boolean; sources: SourceMix; paceMs: number }
  | { type: "hydra"; keys: number; perKey: [number, number]; arrivalHours: number; proxies: number; asns: number; api: Api; stack: string; sources: SourceMix }
  | { type: "slow"; keys: number; perDay: [number, number]; api: Api; stack: string; sources: SourceMix }
  | { type: "blend"; keys: number; share: number; perKey: [number, number]; sources: SourceMix }
  | { type: "rotating"; keys: number; cohort: [number, number]; perKey: [number, number]; sources: SourceMix }
  | { type: "paraphrase"; keys: number; perKey: [number, number]; sources: SourceMix }
  | { type: "multiturn"; keys: number; perKey: [number, number]; sources: SourceMix }
  | AdaptiveSpec;

export type { CampaignInfo, SourceMix };

function heavy(s: Scenario, id: string, spec: Extract<CampaignSpec, { type: "heavy" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const stack = STACKS[spec.stack]!;
  const asn = rng.pick(HOSTING_ASNS);
  const client = { ip: s.net.ipv4(asn, rng), asn, ua: stack.userAgent(rng), ja4: stack.ja4 };
  const key = apiKey(rng, formatOf(spec.api));
  const style = campaignStyle(rng, spec.api, rng.pick(CAMPAIGN_SYSTEM_PROMPTS));
  const prompts: PromptRow[] = [];
  const count = Math.max(50, Math.round(spec.prompts * s.scale));
  const source = promptSource(s, rng, spec.sources);
  if (spec.sweep) {
    // Template by template through T0: the most regular sweep there is.
    const datasets = rng.shuffle(s.pool.names().filter((n) => n.startsWith("t0/")));
    for (const ds of datasets) {
      while (prompts.length < count) {
        const group = s.pool.takeGroup(ds);
        if (group.length === 0) break;
        prompts.push(...group.slice(0, count - prompts.length));
      }
    }
  }
  while (prompts.length < count) {
    const row = source.next();
    if (!row) break;
    prompts.push(row);
  }
  let t = campaignStart(s, rng);
  for (const row of prompts) {
    s.send(id, "extraction", key, t, client, style, single(row.text));
    t += pause(rng, spec.paceMs, 0.5, 250, 45 * SECOND);
  }
  return { id, type: "heavy", accounts: 1, format: formatOf(spec.api), api: spec.api, sources: spec.sweep ? ["t0"] : source.sources };
}

function hydra(s: Scenario, id: string, spec: Extract<CampaignSpec, { type: "hydra" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const stack = STACKS[spec.stack]!;
  const ua = stack.userAgent(rng);
  const asns = rng.shuffle([...HOSTING_ASNS]).slice(0, spec.asns);
  const proxies = Array.from({ length: spec.proxies }, (_, i) => {
    const asn = asns[i % asns.length]!;
    return { ip: s.net.ipv4(asn, rng), asn };
  });
  const system = rng.pick(CAMPAIGN_SYSTEM_PROMPTS);
  const source = promptSource(s, rng, spec.sources);
  const keys = Math.max(4, Math.round(spec.keys * s.scale));
  const start = campaignStart(s, rng);
  for (let k = 0; k < keys; k++) {
    const key = apiKey(rng, formatOf(spec.api));
    const extra = spec.api === "chat" && rng.chance(0.7) ? { logprobs: true, top_logprobs: rng.pick([3, 5]) } : undefined;
    const style: BodyStyle = { ...campaignStyle(rng, spec.api, system, extra), temperature: rng.pick([0, 1]) };
    let t = start + rng.float(0, spec.arrivalHours) * HOUR;
    const n = rng.int(spec.perKey[0], spec.perKey[1]);
    for (let i = 0; i < n; i++) {
      const row = source.next();
      if (!row) break;
      const proxy = rng.pick(proxies);
      s.send(id, "extraction", key, t, { ...proxy, ua, ja4: stack.ja4 }, style, single(row.text));
      t += pause(rng, 25 * SECOND, 0.7, 2 * SECOND, 4 * MINUTE);
    }
  }
  return { id, type: "hydra", accounts: keys, format: formatOf(spec.api), api: spec.api, sources: source.sources, proxies: proxies.length };
}

function slow(s: Scenario, id: string, spec: Extract<CampaignSpec, { type: "slow" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const stack = STACKS[spec.stack]!;
  const ua = stack.userAgent(rng);
  const style = campaignStyle(rng, spec.api, undefined);
  const source = promptSource(s, rng, spec.sources);
  const keys = Math.max(2, Math.round(spec.keys * s.scale));
  for (let k = 0; k < keys; k++) {
    const key = apiKey(rng, formatOf(spec.api));
    const times: number[] = [];
    for (let day = rng.int(0, 2); day < s.days; day++) {
      if (!rng.chance(0.8)) continue;
      const n = rng.int(spec.perDay[0], spec.perDay[1]);
      // Around the clock: a bot, not a person.
      for (let i = 0; i < n; i++) times.push(s.start + day * 24 * HOUR + rng.float(0, 24) * HOUR);
    }
    times.sort((a, b) => a - b);
    for (const t of times) {
      const row = source.next();
      if (!row) break;
      // A different residential address and ASN on every request (a residential proxy network).
      const region = rng.pick(REGIONS);
      const asn = rng.pick(region.residential);
      s.send(id, "extraction", key, t, { ip: s.net.ipv4(asn, rng), asn, ua, ja4: stack.ja4 }, style, single(row.text));
    }
  }
  return { id, type: "slow", accounts: keys, format: formatOf(spec.api), api: spec.api, sources: source.sources };
}

function blend(s: Scenario, id: string, spec: Extract<CampaignSpec, { type: "blend" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const keys = Math.max(2, Math.round(spec.keys * s.scale));
  let campaignPrompts = 0;
  const families = new Set<string>();
  const apis = new Set<Api>();
  for (let k = 0; k < keys; k++) {
    // Each key passes for an ordinary person: home address, a common SDK, daytime, conversations.
    const region = pickRegion(rng);
    const stack = STACKS[rng.weighted(PEOPLE_STACKS)]!;
    const ua = stack.userAgent(rng);
    const { family, api } = apiOf(rng, stack);
    families.add(family);
    apis.add(api);
    const style = personStyle(rng, api);
    const asn = rng.pick(region.residential);
    const client = { ip: s.net.ipv4(asn, rng), asn, ua, ja4: stack.ja4 };
    const key = apiKey(rng, family);
    const target = Math.round(rng.int(spec.perKey[0], spec.perKey[1]) * (s.days / 14));
    const sessions = Math.max(1, Math.round(target / 12));
    const starts = Array.from({ length: sessions }, () => localMoment(s, rng, rng.int(0, s.days - 1), region, PEOPLE_HOURS)).sort((a, b) => a - b);
    let cursor = 0;
    let history: Turn[] = [];
    for (const planned of starts) {
      let t = Math.max(planned, cursor + 10 * MINUTE);
      const n = rng.int(6, 18);
      for (let i = 0; i < n; i++) {
        if (rng.chance(spec.share)) {
          const row = source.next();
          if (!row) break;
          history = single(row.text);
          campaignPrompts++;
        } else if (history.length > 0 && history.length < 9 && rng.chance(0.5)) {
          history = [...history, { role: "assistant", text: rng.pick(ASSISTANT_PLACEHOLDERS) }, { role: "user", text: rng.pick(FOLLOW_UPS) }];
        } else {
          history = single(s.benignPrompt(rng).text);
        }
        s.send(id, "extraction", key, t, client, style, history);
        t += pause(rng, 70 * SECOND, 0.8, 5 * SECOND, 12 * MINUTE);
      }
      cursor = t;
    }
  }
  return {
    id,
    type: "blend",
    accounts: keys,
    format: families.size === 1 ? ([...families][0] as "openai" | "anthropic") : "mixed",
    api: apis.size === 1 ? [...apis][0]! : "mixed",
    sources: source.sources,
    campaignPrompts,
  };
}

function rotating(s: Scenario, id: string, spec: Extract<CampaignSpec, { type: "rotating" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const system = rng.pick(CAMPAIGN_SYSTEM_PROMPTS);
  const keys = Math.max(4, Math.round(spec.keys * s.scale));
  const stackIds = ["openai-python", "openai-node", "anthropic-python", "requests", "aiohttp", "go", "axios", "curl", "anthropic-node"];
  const fingerprints = new Set<string>();
  const apis = new Set<Api>();
  let previous = "";
  let t = campaignStart(s, rng, 0.6);
  for (let done = 0; done < keys; ) {
    // A cohort: a few keys on one client build and one small address block, then everything changes.
    const size = Math.min(keys - done, rng.int(spec.cohort[0], spec.cohort[1]));
    let stackId = rng.pick(stackIds);
    while (stackId === previous) stackId = rng.pick(stackIds);
    previous = stackId;
    const stack: ClientStack = STACKS[stackId]!;
    const ua = stack.userAgent(rng);
    fingerprints.add(`${ua}|${stack.ja4}`);
    const { family, api } = apiOf(rng, stack, 0.6);
    const cohortApi: Api = api === "completions" ? "chat" : api;
    apis.add(cohortApi);
    const asn = rng.pick(HOSTING_ASNS);
    const block = s.net.ipv4Block(asn, rng, rng.int(2, 4));
    const style = campaignStyle(rng, cohortApi, rng.chance(0.7) ? system : undefined);
    for (let k = 0; k < size; k++) {
      const key = apiKey(rng, family);
      let kt = t + rng.float(0, 12) * MINUTE;
      const n = rng.int(spec.perKey[0], spec.perKey[1]);
      for (let i = 0; i < n; i++) {
        const row = source.next();
        if (!row) break;
        s.send(id, "extraction", key, kt, { ip: rng.pick(block), asn, ua, ja4: stack.ja4 }, style, single(row.text));
        kt += pause(rng, 15 * SECOND, 0.6, 2 * SECOND, 2 * MINUTE);
      }
    }
    done += size;
    t += rng.float(20, 60) * MINUTE;
  }
  return { id, type: "rotating", accounts: keys, format: "mixed", api: apis.size === 1 ? [...apis][0]! : "mixed", sources: source.sources, fingerprints: fingerprints.size };
}

/** Wraps a dataset prompt so that no two requests share an exact prefix or suffix template. */
export function paraphrase(rng: Rng, text: string): string {
  let opener = rng.pick(PARAPHRASE_OPENERS);
  if (rng.chance(0.3)) opener = opener.toLowerCase();
  const closer = rng.pick(PARAPHRASE_CLOSERS);
  const body = rng.chance(0.25) ? `"""\n${text}\n"""` : rng.chance(0.2) ? text.replace(/\n\n/g, "\n") : text;
  const sep = rng.pick(["\n\n", "\n", " "]);
  return `${opener}${sep}${body}${closer === "" ? "" : `${rng.pick(["\n\n", " "])}${closer}`}`;
}

function paraphraseCampaign(s: Scenario, id: string, spec: Extract<CampaignSpec, { type: "paraphrase" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const keys = Math.max(2, Math.round(spec.keys * s.scale));
  const apis = new Set<Api>();
  const first = rng.int(0, Math.max(0, s.days - 5));
  for (let k = 0; k < keys; k++) {
    const region = pickRegion(rng);
    const stack = STACKS[rng.weighted(PEOPLE_STACKS)]!;
    const { family, api } = apiOf(rng, stack);
    apis.add(api);
    const asn = rng.pick(region.residential);
    const client = { ip: s.net.ipv4(asn, rng), asn, ua: stack.userAgent(rng), ja4: stack.ja4 };
    const key = apiKey(rng, family);
    const style = campaignStyle(rng, api, undefined);
    const total = rng.int(spec.perKey[0], spec.perKey[1]);
    const sessions = rng.int(2, 5);
    const starts = Array.from({ length: sessions }, () => localMoment(s, rng, Math.min(s.days - 1, first + rng.int(0, 3)), region, PEOPLE_HOURS)).sort((a, b) => a - b);
    let cursor = 0;
    let sent = 0;
    for (const planned of starts) {
      let t = Math.max(planned, cursor + 15 * MINUTE);
      for (let i = 0; i < Math.ceil(total / sessions) && sent < total; i++, sent++) {
        const row = source.next();
        if (!row) break;
        s.send(id, "extraction", key, t, client, style, single(paraphrase(rng, row.text)));
        t += pause(rng, 40 * SECOND, 0.7, 5 * SECOND, 5 * MINUTE);
      }
      cursor = t;
    }
  }
  return { id, type: "paraphrase", accounts: keys, format: "mixed", api: apis.size === 1 ? [...apis][0]! : "mixed", sources: source.sources };
}

function multiturn(s: Scenario, id: string, spec: Extract<CampaignSpec, { type: "multiturn" }>): CampaignInfo {
  const rng = s.rng.fork(id);
  const source = promptSource(s, rng, spec.sources);
  const keys = Math.max(2, Math.round(spec.keys * s.scale));
  const apis = new Set<Api>();
  for (let k = 0; k < keys; k++) {
    const region = pickRegion(rng);
    const stack = STACKS[rng.pick(["openai-python", "anthropic-python", "openai-node"])]!;
    const { family, api } = apiOf(rng, stack);
    const turnApi: Api = api === "completions" ? "chat" : api;
    apis.add(turnApi);
    const asn = rng.pick(region.residential);
    const client = { ip: s.net.ipv4(asn, rng), asn, ua: stack.userAgent(rng), ja4: stack.ja4 };
    const key = apiKey(rng, family);
    const style = campaignStyle(rng, turnApi, rng.chance(0.5) ? rng.pick(CAMPAIGN_SYSTEM_PROMPTS) : undefined);
    const total = Math.round(rng.int(spec.perKey[0], spec.perKey[1]) * Math.min(1, s.days / 10));
    const sessions = Math.max(1, Math.round(total / 25));
    const starts = Array.from({ length: sessions }, () => localMoment(s, rng, rng.int(0, s.days - 1), region, PEOPLE_HOURS)).sort((a, b) => a - b);
    let cursor = 0;
    let sent = 0;
    for (const planned of starts) {
      let t = Math.max(planned, cursor + 10 * MINUTE);
      let history: Turn[] = [];
      let length = rng.int(2, 6);
      for (let i = 0; i < Math.ceil(total / sessions) && sent < total; i++, sent++) {
        const row = source.next();
        if (!row) break;
        // Each request carries earlier dataset prompts as history, then a new one as the user turn.
        if (history.length >= length * 2) {
          history = [];
          length = rng.int(2, 6);
        }
        const turns: Turn[] = [...history, { role: "user", text: row.text }];
        s.send(id, "extraction", key, t, client, style, turns);
        history = [...turns, { role: "assistant", text: rng.pick(ASSISTANT_PLACEHOLDERS) }];
        t += pause(rng, 35 * SECOND, 0.7, 3 * SECOND, 4 * MINUTE);
      }
      cursor = t;
    }
  }
  return { id, type: "multiturn", accounts: keys, format: "mixed", api: apis.size === 1 ? [...apis][0]! : "mixed", sources: source.sources };
}

export function generateCampaign(s: Scenario, id: string, spec: CampaignSpec): CampaignInfo {
  switch (spec.type) {
    case "heavy":
      return heavy(s, id, spec);
    case "hydra":
      return hydra(s, id, spec);
    case "slow":
      return slow(s, id, spec);
    case "blend":
      return blend(s, id, spec);
    case "rotating":
      return rotating(s, id, spec);
    case "paraphrase":
      return paraphraseCampaign(s, id, spec);
    case "multiturn":
      return multiturn(s, id, spec);
    default:
      return adaptiveCampaign(s, id, spec);
  }
}
