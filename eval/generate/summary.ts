/**
 * The scenario's summary, in the shape of the dev scenario's `dev.summary.json` (counts per label,
 * actor type, path and campaign), plus where the prompts came from.
 */
import { createHash } from "node:crypto";
import { actorKind } from "../metrics";
import type { ScenarioLine } from "../scenario";
import type { CampaignInfo } from "./campaigns";

interface Count {
  actors: number;
  accounts: number;
  requests: number;
}

export interface ScenarioSummary {
  set: string;
  preset: string;
  scale: number;
  seed: string;
  period: { start: string; end: string; days: number };
  requests: number;
  accounts: number;
  byLabel: Record<string, Count>;
  byActorType: Record<string, Count & { label: string }>;
  paths: Record<string, number>;
  campaigns: Array<CampaignInfo & { requests: number }>;
  prompts: {
    /** extraction prompts drawn by campaigns */
    extractionDrawn: number;
    /** of which the reference scenario's campaigns had already sent (only when fresh ones ran out) */
    fromReference: number;
    /** campaign requests not generated because the data ran out of prompts (0 when it sufficed) */
    ranDry: number;
    reference: string | null;
    data: string;
    /** benign prompt files used, or `people` for the generator's own */
    benign: string[];
  };
  distinctBodies: number;
  bytes?: { uncompressed: number; written: number };
}

export interface SummaryInput {
  preset: string;
  seed: string;
  scale: number;
  start: number;
  end: number;
  campaigns: CampaignInfo[];
  extractionDrawn: number;
  fromReference: number;
  ranDry: number;
  reference: string | null;
  data: string;
  benignSources: string[];
}

export function summarise(lines: readonly ScenarioLine[], input: SummaryInput): ScenarioSummary {
  const actors = new Map<string, { label: string; keys: Set<string>; requests: number }>();
  const keys = new Set<string>();
  const paths: Record<string, number> = {};
  const bodies = new Set<string>();
  for (const line of lines) {
    let a = actors.get(line.actor);
    if (!a) {
      a = { label: line.label, keys: new Set(), requests: 0 };
      actors.set(line.actor, a);
    }
    a.requests++;
    if (line.key !== undefined) {
      a.keys.add(line.key);
      keys.add(line.key);
    }
    paths[line.path] = (paths[line.path] ?? 0) + 1;
    bodies.add(createHash("sha1").update(JSON.stringify(line.body)).digest("base64url"));
  }
  const byLabel: Record<string, Count> = {};
  const byActorType: Record<string, Count & { label: string }> = {};
  for (const [actor, a] of actors) {
    const label = (byLabel[a.label] ??= { actors: 0, accounts: 0, requests: 0 });
    const kind = (byActorType[actorKind(actor)] ??= { label: a.label, actors: 0, accounts: 0, requests: 0 });
    for (const c of [label, kind]) {
      c.actors++;
      c.accounts += a.keys.size;
      c.requests += a.requests;
    }
  }
  const days = Math.round((input.end - input.start) / 86_400_000);
  return {
    set: input.preset,
    preset: input.preset,
    scale: input.scale,
    seed: input.seed,
    period: { start: new Date(input.start).toISOString(), end: new Date(input.end).toISOString(), days },
    requests: lines.length,
    accounts: keys.size,
    byLabel,
    byActorType,
    paths,
    // Counted from the lines: a key can end up without requests when its pool or the period runs out.
    campaigns: input.campaigns.map((c) => ({ ...c, accounts: actors.get(c.id)?.keys.size ?? 0, requests: actors.get(c.id)?.requests ?? 0 })),
    prompts: { extractionDrawn: input.extractionDrawn, fromReference: input.fromReference, ranDry: input.ranDry, reference: input.reference, data: input.data, benign: input.benignSources },
    distinctBodies: bodies.size,
  };
}
