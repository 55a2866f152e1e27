/**
 * Benign traffic: people (users and power users), products with many end users (apps), and batch
 * jobs. Modelled on the dev scenario's README, with other parameters, texts and network mix.
 */
import { ASSISTANT_PLACEHOLDERS, modelFor, openaiApi } from "./bodies";
import type { Api, BodyStyle, Turn } from "./bodies";
import { HOUR, MINUTE, PEOPLE_HOURS, SECOND, WORK_HOURS, isWeekend, localMoment, localTime, pause } from "./context";
import type { Client, Scenario } from "./context";
import type { PromptRow } from "./data";
import { HOSTING_ASNS, OFFICE_ASNS, PEOPLE_STACKS, REGIONS, SERVER_STACKS, STACKS, apiKey } from "./network";
import type { ClientStack, Region } from "./network";
import { APP_PERSONAS, BATCH_TEMPLATES, FOLLOW_UPS, TOPICS, USER_SYSTEM_PROMPTS, VARIATIONS } from "./phrases";
import type { Rng } from "../../tools/prng";

/** Share of people's requests sent without a TLS fingerprint (edge cases where none is available). */
const NO_JA4_SHARE = 0.015;

export function pickRegion(rng: Rng): Region {
  return rng.weighted(REGIONS.map((r) => [r, r.weight] as const));
}

/** The API family and endpoint a client uses: SDKs decide it, generic HTTP clients may use either. */
export function apiOf(rng: Rng, stack: ClientStack, openaiShare = 0.7): { family: "openai" | "anthropic"; api: Api } {
  const family = stack.family === "any" ? (rng.chance(openaiShare) ? "openai" : "anthropic") : stack.family;
  return { family, api: family === "anthropic" ? "messages" : openaiApi(rng) };
}

/** A person's request style: one model and habits they keep. */
export function personStyle(rng: Rng, api: Api): BodyStyle {
  return {
    api,
    model: modelFor(api, rng),
    system: rng.chance(0.25) ? rng.pick(USER_SYSTEM_PROMPTS) : undefined,
    maxTokens: rng.chance(0.6) ? rng.pick([256, 512, 1024, 2048, 4096]) : undefined,
    temperature: rng.chance(0.5) ? rng.pick([0, 0.2, 0.5, 0.7, 1]) : undefined,
    stream: rng.chance(0.45),
    parts: rng.chance(0.15),
  };
}

/** Shared office NAT addresses: several people behind one address, in enterprise ASNs. */
function officeAddresses(s: Scenario): Array<{ ip: string; asn: number }> {
  const rng = s.rng.fork("offices");
  return Array.from({ length: 16 }, () => {
    const asn = rng.pick(OFFICE_ASNS);
    return { ip: s.net.ipv4(asn, rng), asn };
  });
}

export type Place = "home" | "mobile" | "office";

/** Where a person connects from, and how that changes between visits. */
export class PersonNetwork {
  readonly #ipv6: boolean;
  #current: { ip: string; asn: number };

  constructor(
    readonly s: Scenario,
    readonly rng: Rng,
    readonly place: Place,
    readonly region: Region,
  ) {
    this.#ipv6 = place === "mobile" && rng.chance(0.3);
    this.#current = this.#fresh();
  }

  #fresh(): { ip: string; asn: number } {
    if (this.place === "office") return this.rng.pick(officeAddresses(this.s));
    const asn = this.rng.pick(this.place === "mobile" ? this.region.mobile : this.region.residential);
    return { asn, ip: this.#ipv6 ? this.s.net.ipv6(asn, this.rng) : this.s.net.ipv4(asn, this.rng) };
  }

  /** Called at each visit: mobile addresses change every time, home ones now and then (dynamic IPs). */
  visit(): void {
    if (this.place === "mobile" || (this.place === "home" && this.rng.chance(0.08))) {
      const asn = this.#current.asn;
      this.#current = { asn, ip: this.#ipv6 ? this.s.net.ipv6(asn, this.rng) : this.s.net.ipv4(asn, this.rng) };
    }
  }

  get address(): { ip: string; asn: number } {
    return this.#current;
  }
}

function client(rng: Rng, net: { ip: string; asn: number }, ua: string, stack: ClientStack): Client {
  return { ip: net.ip, asn: net.asn, ua, ja4: rng.chance(NO_JA4_SHARE) ? undefined : stack.ja4 };
}

function placeholder(rng: Rng): Turn {
  return { role: "assistant", text: rng.pick(ASSISTANT_PLACEHOLDERS) };
}

/** Visits spread over the period at local daytime hours, in order, never overlapping. */
function visitTimes(s: Scenario, rng: Rng, count: number, region: Region, hours: readonly number[]): number[] {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(localMoment(s, rng, rng.int(0, s.days - 1), region, hours));
  return times.sort((a, b) => a - b);
}

export function generateUser(s: Scenario, actor: string): void {
  const rng = s.rng.fork(actor);
  const region = pickRegion(rng);
  const place = rng.weighted([
    ["home", 58],
    ["mobile", 27],
    ["office", 15],
  ] as const);
  const stack = STACKS[place === "mobile" && rng.chance(0.3) ? "okhttp" : rng.weighted(PEOPLE_STACKS)]!;
  const ua = stack.userAgent(rng);
  const { family, api } = apiOf(rng, stack);
  const style = personStyle(rng, api);
  const network = new PersonNetwork(s, rng, place, region);
  const keys = [apiKey(rng, family)];
  // A few people rotate their key once (leaked, or a new project): same person, new account.
  const switchAt = rng.chance(0.03) ? rng.float(0.3, 0.8) : undefined;
  if (switchAt !== undefined) keys.push(apiKey(rng, family));

  const visits = Math.max(1, Math.min(25, Math.round(rng.logNormal(4.5, 0.9) * (s.days / 14))));
  let cursor = 0;
  visitTimes(s, rng, visits, region, PEOPLE_HOURS).forEach((planned, v) => {
    const key = switchAt !== undefined && v >= switchAt * visits ? keys[1]! : keys[0]!;
    let t = Math.max(planned, cursor + 10 * MINUTE);
    network.visit();
    const conversations = rng.weighted([
      [1, 60],
      [2, 30],
      [3, 10],
    ] as const);
    for (let c = 0; c < conversations; c++) {
      const history: Turn[] = [];
      const turns = 1 + Math.min(7, rng.geometric(0.45));
      for (let k = 0; k < turns; k++) {
        history.push({ role: "user", text: k === 0 ? s.benignPrompt(rng).text : rng.pick(FOLLOW_UPS) });
        const cl = client(rng, network.address, ua, stack);
        const sent = s.send(actor, "benign", key, t, cl, style, history);
        // Client retries: the same request again a moment later (timeouts, double clicks).
        if (sent !== undefined && rng.chance(0.03)) s.send(actor, "benign", key, sent + rng.int(800, 4000), cl, style, history);
        history.push(placeholder(rng));
        t += pause(rng, 50 * SECOND, 0.9, 4 * SECOND, 15 * MINUTE);
      }
      t += pause(rng, 4 * MINUTE, 0.8, 30 * SECOND, 30 * MINUTE);
    }
    cursor = t;
  });
}

function topicPrompts(s: Scenario, rng: Rng): PromptRow[] {
  const words = rng.pick(TOPICS);
  const matches = s.data.benign.filter((row) => {
    const text = row.text.toLowerCase();
    return text.length < 1500 && words.some((w) => text.includes(w));
  });
  const chosen = rng.shuffle(matches).slice(0, rng.int(8, 25));
  while (chosen.length < 6) chosen.push(s.benignPrompt(rng));
  return chosen;
}

export function generatePowerUser(s: Scenario, actor: string): void {
  const rng = s.rng.fork(actor);
  const region = pickRegion(rng);
  const stack = STACKS[rng.weighted(PEOPLE_STACKS)]!;
  const ua = stack.userAgent(rng);
  const { family, api } = apiOf(rng, stack);
  const style = personStyle(rng, api);
  const network = new PersonNetwork(s, rng, rng.chance(0.6) ? "home" : "office", region);
  const key = apiKey(rng, family);
  const prompts = topicPrompts(s, rng);
  // Zipf-like: a few prompts of the topic come back again and again.
  const weights = prompts.map((_, i) => 1 / (i + 1));

  const target = Math.round(rng.int(150, 520) * (s.days / 14));
  const activeDays: number[] = [];
  for (let day = 0; day < s.days; day++) {
    const noon = localTime(s, day, 12, region.utcOffset);
    if (rng.chance(isWeekend(noon, region.utcOffset) ? 0.15 : 0.8)) activeDays.push(day);
  }
  if (activeDays.length === 0) activeDays.push(rng.int(0, s.days - 1));
  const sessions: number[] = [];
  for (const day of activeDays) {
    const n = rng.int(1, 4);
    for (let i = 0; i < n; i++) sessions.push(localMoment(s, rng, day, region, WORK_HOURS));
  }
  sessions.sort((a, b) => a - b);
  const perSession = Math.max(1, Math.round(target / sessions.length));

  let cursor = 0;
  let previous: Turn[] | undefined;
  for (const planned of sessions) {
    let t = Math.max(planned, cursor + 5 * MINUTE);
    const n = Math.max(1, Math.round(perSession * rng.float(0.4, 1.6)));
    for (let i = 0; i < n; i++) {
      const base = prompts[rng.weightedIndex(weights)]!.text;
      const roll = rng.next();
      let turns: Turn[];
      if (previous !== undefined && roll < 0.15)
        turns = previous; // exact retry
      else if (roll < 0.4) turns = [{ role: "user", text: rng.pick(VARIATIONS)(base) }];
      else if (roll < 0.65) turns = [{ role: "user", text: base }, placeholder(rng), { role: "user", text: rng.pick(FOLLOW_UPS) }];
      else turns = [{ role: "user", text: base }];
      s.send(actor, "benign", key, t, client(rng, network.address, ua, stack), style, turns);
      previous = turns;
      t += pause(rng, 45 * SECOND, 0.8, 5 * SECOND, 6 * MINUTE);
    }
    cursor = t;
  }
}

export function generateApp(s: Scenario, actor: string, personaIndex: number): void {
  const rng = s.rng.fork(actor);
  const persona = APP_PERSONAS[personaIndex % APP_PERSONAS.length]!;
  const stackId = persona.family === "anthropic" ? rng.pick(["anthropic-python", "aiohttp", "go"]) : rng.weighted(SERVER_STACKS.filter(([id]) => STACKS[id]!.family !== "anthropic"));
  const stack = STACKS[stackId]!;
  const ua = stack.userAgent(rng);
  const api: Api = persona.family === "anthropic" ? "messages" : "chat";
  const asn = rng.pick(HOSTING_ASNS);
  // Many addresses in one datacenter ASN: the app's servers, autoscaled over a couple of /24s.
  const ips = [...s.net.ipv4Block(asn, rng, rng.int(4, 16)), ...s.net.ipv4Block(asn, rng, rng.int(2, 14))];
  const key = apiKey(rng, persona.family);
  const base: BodyStyle = {
    api,
    model: modelFor(api, rng),
    system: persona.system,
    maxTokens: rng.pick([512, 1024, 2048]),
    temperature: rng.pick([0.3, 0.7, 1]),
    stream: undefined,
  };
  const streamShare = rng.pick([0, 0.5, 1]);
  // The app's users: mostly one region, the rest anywhere.
  const home = pickRegion(rng);
  const volume = Math.round(rng.int(1300, 3000) * (s.days / 14));
  const endUsers = Math.max(20, Math.round(volume / 4));
  // Conversations, as the dev scenario's apps have them: an end user opens one and often follows up
  // within minutes (about half of an app's requests carry history).
  const times: Array<{ t: number; user: number; turn: number }> = [];
  while (times.length < volume) {
    const region = rng.chance(0.6) ? home : pickRegion(rng);
    const user = Math.floor(endUsers * rng.next() ** 2); // some end users are much more active
    const length = rng.weighted([
      [1, 45],
      [2, 25],
      [3, 18],
      [4, 12],
    ]);
    let t = localMoment(s, rng, rng.int(0, s.days - 1), region, PEOPLE_HOURS);
    for (let turn = 0; turn < length && times.length < volume; turn++) {
      times.push({ t, user, turn });
      t += pause(rng, 70 * SECOND, 0.7, 10 * SECOND, 10 * MINUTE);
    }
  }
  times.sort((a, b) => a.t - b.t);
  const conversations = new Map<number, Turn[]>();
  for (const { t, user, turn } of times) {
    const open = conversations.get(user);
    const turns: Turn[] = turn > 0 && open ? [...open, placeholder(rng), { role: "user", text: rng.pick(FOLLOW_UPS) }] : [{ role: "user", text: s.benignPrompt(rng).text }];
    conversations.set(user, turns);
    const userId = `${actor.replace("app-", "u")}-${user.toString(36)}`;
    const extra = persona.passesUser ? (api === "messages" ? { metadata: { user_id: userId } } : { user: userId }) : undefined;
    const style: BodyStyle = { ...base, stream: rng.chance(streamShare), extra };
    s.send(actor, "benign", key, t, { ip: rng.pick(ips), asn, ua, ja4: stack.ja4 }, style, turns);
  }
}

export function generateBatch(s: Scenario, actor: string, templateIndex: number): void {
  const rng = s.rng.fork(actor);
  const template = BATCH_TEMPLATES[templateIndex % BATCH_TEMPLATES.length]!;
  const stack = STACKS[rng.pick(["requests", "aiohttp", "openai-python", "anthropic-python", "go"])]!;
  const ua = stack.userAgent(rng);
  const { family, api: sdkApi } = apiOf(rng, stack, 0.65);
  const api: Api = family === "anthropic" ? "messages" : rng.chance(0.2) ? "completions" : sdkApi === "responses" ? "chat" : sdkApi;
  const office = rng.chance(0.35);
  const asn = office ? rng.pick(OFFICE_ASNS) : rng.pick(HOSTING_ASNS);
  const ip = s.net.ipv4(asn, rng);
  const key = apiKey(rng, family);
  const style: BodyStyle = { api, model: modelFor(api, rng), system: template.system, maxTokens: template.maxTokens, temperature: 0 };
  const texts = rng.shuffle([...s.data.benign]);
  const region = pickRegion(rng);
  const cronHour = rng.pick([1, 2, 3, 6, 9, 13, 22]);
  const runs = rng.weighted([
    [1, 30],
    [2, 35],
    [3, 20],
    [4, 15],
  ] as const);
  const days = rng
    .shuffle(Array.from({ length: s.days }, (_, d) => d))
    .slice(0, runs)
    .sort((a, b) => a - b);
  let offset = 0;
  let cursor = 0;
  for (const day of days) {
    // Some jobs re-run over the same texts (a nightly re-index), most move on to new ones.
    if (offset > 0 && rng.chance(0.3)) offset = 0;
    const size = rng.int(60, 400);
    let t = Math.max(localTime(s, day, cronHour + rng.float(0, 0.25), region.utcOffset), cursor + HOUR);
    for (let i = 0; i < size; i++) {
      const text = texts[(offset + i) % texts.length]!.text;
      s.send(actor, "benign", key, t, { ip, asn, ua, ja4: stack.ja4 }, style, [{ role: "user", text: template.instruction(text) }]);
      t += pause(rng, 1.2 * SECOND, 0.7, 200, 8 * SECOND);
    }
    offset += size;
    cursor = t;
  }
}
