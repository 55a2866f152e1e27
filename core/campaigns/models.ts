/**
 * The models a subject asks for, over time. Each account object keeps a short record per model name
 * (first and last request, count); a campaign's view merges its members' records into the model mix
 * and looks for the tell of a distillation campaign: most of its keys moving to a new model within
 * hours of the campaign's first use of it (a provider's users move over weeks; a harvest job is
 * re-pointed at the new model at once). Model names only: never a key or prompt.
 */

export interface ModelUse {
  model: string;
  firstSeen: number;
  lastSeen: number;
  requests: number;
}

/** Models kept per account; past it the least recently used is forgotten. */
export const MAX_MODELS = 16;
/** Longest model name kept: names are short identifiers, never text. */
export const MAX_MODEL_LENGTH = 64;

/** The request's `model` as kept: printable ASCII only, trimmed and capped; null when nothing is left. */
export function modelName(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const kept = raw
    .replace(/[^\x20-\x7e]/g, "")
    .trim()
    .slice(0, MAX_MODEL_LENGTH);
  return kept === "" ? null : kept;
}

/** Counts one request for `model` at `now` in place; evicts the least recently used past MAX_MODELS. */
export function noteModel(uses: ModelUse[], model: string, now: number): void {
  const hit = uses.find((u) => u.model === model);
  if (hit) {
    hit.requests++;
    hit.firstSeen = Math.min(hit.firstSeen, now);
    hit.lastSeen = Math.max(hit.lastSeen, now);
    return;
  }
  uses.push({ model, firstSeen: now, lastSeen: now, requests: 1 });
  if (uses.length > MAX_MODELS) {
    let oldest = 0;
    for (let i = 1; i < uses.length; i++) if (uses[i]!.lastSeen < uses[oldest]!.lastSeen) oldest = i;
    uses.splice(oldest, 1);
  }
}

export interface CampaignModel {
  model: string;
  /** The campaign's first use of the model: the earliest first request among its members. */
  firstSeen: number;
  lastSeen: number;
  requests: number;
  /** Members that asked for it. */
  members: number;
}

/** A campaign's move to a model: the evidence entry `modelSwitches`. */
export interface ModelSwitch {
  model: string;
  /** The campaign's first use of it. */
  firstUse: number;
  /** Members that had used another model before `firstUse` and began on this one within SWITCH_WINDOW_MS of it. */
  movers: number;
  /** Members that had used another model before `firstUse`. */
  eligible: number;
  /** The models the movers used before (their earlier models), most used first. */
  from: string[];
  withinMs: number;
}

/** How soon after the campaign's first use of a model a member must start on it to count as moving with it. */
export const SWITCH_WINDOW_MS = 3 * 3600_000;
/** Fewest movers for a switch: one or two keys changing model is everyday. */
export const MIN_MOVERS = 3;

/** The members' records merged per model, in order of the campaign's first use. */
export function modelMix(members: readonly (readonly ModelUse[])[]): CampaignModel[] {
  const out = new Map<string, CampaignModel>();
  for (const uses of members) {
    for (const u of uses) {
      const m = out.get(u.model);
      if (!m) out.set(u.model, { model: u.model, firstSeen: u.firstSeen, lastSeen: u.lastSeen, requests: u.requests, members: 1 });
      else {
        m.firstSeen = Math.min(m.firstSeen, u.firstSeen);
        m.lastSeen = Math.max(m.lastSeen, u.lastSeen);
        m.requests += u.requests;
        m.members++;
      }
    }
  }
  return [...out.values()].sort((a, b) => a.firstSeen - b.firstSeen || (a.model < b.model ? -1 : 1));
}

/**
 * Models most of the campaign moved to at once. For each model with first use T by the campaign,
 * the eligible members are those that had asked for another model before T; a mover is an eligible
 * member whose first request for the model came within SWITCH_WINDOW_MS after T. A switch is
 * reported when movers ≥ MIN_MOVERS and movers > half of the eligible members.
 */
export function modelSwitches(members: readonly (readonly ModelUse[])[], mix: readonly CampaignModel[] = modelMix(members)): ModelSwitch[] {
  const out: ModelSwitch[] = [];
  for (const m of mix) {
    let eligible = 0;
    let movers = 0;
    const from = new Map<string, number>();
    for (const uses of members) {
      const before = uses.filter((u) => u.model !== m.model && u.firstSeen < m.firstSeen);
      if (before.length === 0) continue;
      eligible++;
      const mine = uses.find((u) => u.model === m.model);
      if (!mine || mine.firstSeen - m.firstSeen > SWITCH_WINDOW_MS) continue;
      movers++;
      for (const b of before) from.set(b.model, (from.get(b.model) ?? 0) + b.requests);
    }
    if (movers >= MIN_MOVERS && movers * 2 > eligible) {
      const previous = [...from].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
      out.push({ model: m.model, firstUse: m.firstSeen, movers, eligible, from: previous, withinMs: SWITCH_WINDOW_MS });
    }
  }
  return out;
}
