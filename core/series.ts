/**
 * Per-epoch figures of a detection window, for the operator views and the dashboard's charts. Each
 * point has the epoch's own figures and the window's figures as of the end of that epoch (the union
 * of it and the older live epochs), because the policy's thresholds apply to the window, not to one
 * epoch. Distinct counts cannot be summed across epochs: the cumulative figures come from merged
 * sketches.
 */
import type { HyperLogLog } from "./hyperloglog";
import type { Epoch, WindowSchema } from "./window";

interface Figures {
  counters: number[];
  sketches: HyperLogLog[];
  topics: Uint8Array;
}

export interface SeriesFigures {
  requests: number;
  prompts: number;
  templates: number;
  topics: number;
}

export interface SeriesPoint extends SeriesFigures {
  /** Epoch start and end, ms since the Unix epoch. */
  start: number;
  end: number;
  /** The window's figures as of this epoch's end. */
  window: SeriesFigures;
}

function popcount(bytes: Uint8Array): number {
  let n = 0;
  for (let b of bytes) for (; b; b &= b - 1) n++;
  return n;
}

/** `epochs` may come from several shards: epochs with the same index are merged first. */
export function epochSeries<S extends string, C extends string>(schema: WindowSchema<S, C>, epochs: readonly Epoch<S, C>[], epochMs: number): SeriesPoint[] {
  const names = Object.keys(schema.sketches);
  const iPrompts = names.indexOf("prompts");
  const iTemplates = names.indexOf("templates");
  const iRequests = schema.counters.indexOf("requests" as C);
  const byIndex = new Map<number, Epoch<S, C>[]>();
  for (const e of epochs) byIndex.set(e.index, [...(byIndex.get(e.index) ?? []), e]);

  const out: SeriesPoint[] = [];
  let acc: Figures | null = null;
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    const group = byIndex.get(index)!;
    const first = group[0];
    const merged: Figures = { counters: Array.from(first.counters), sketches: first.sketches.map((s) => s.clone()), topics: first.topics.slice() };
    for (const e of group.slice(1)) add(merged, e);
    if (acc === null) acc = { counters: merged.counters.slice(), sketches: merged.sketches.map((s) => s.clone()), topics: merged.topics.slice() };
    else add(acc, merged);
    const figures = (x: Figures): SeriesFigures => ({
      requests: iRequests >= 0 ? x.counters[iRequests] : 0,
      prompts: iPrompts >= 0 ? Math.round(x.sketches[iPrompts].estimate()) : 0,
      templates: iTemplates >= 0 ? Math.round(x.sketches[iTemplates].estimate()) : 0,
      topics: popcount(x.topics),
    });
    out.push({ start: index * epochMs, end: (index + 1) * epochMs, ...figures(merged), window: figures(acc) });
  }
  return out;
}

function add(into: Figures, e: { counters: ArrayLike<number>; sketches: readonly HyperLogLog[]; topics: Uint8Array }): void {
  for (let i = 0; i < into.counters.length; i++) into.counters[i] += e.counters[i];
  for (let i = 0; i < into.sketches.length; i++) into.sketches[i].merge(e.sketches[i]);
  for (let i = 0; i < into.topics.length; i++) into.topics[i] |= e.topics[i];
}
