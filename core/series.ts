/**
 * Per-epoch figures of a detection window, for the operator views and the dashboard's charts. Each
 * point has the epoch's own figures and the window's figures as of the end of that epoch (the union
 * of it and the older live epochs), because the policy's thresholds apply to the window, not to one
 * epoch. Distinct counts cannot be summed across epochs: the cumulative figures come from merged
 * sketches.
 */
import { popcount } from "./bits";
import { addEpoch, unionEpochs } from "./epoch-union";
import type { Epoch, WindowSchema } from "./window";

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

/** `epochs` may come from several shards: epochs with the same index are merged first. */
export function epochSeries<S extends string, C extends string>(schema: WindowSchema<S, C>, epochs: readonly Epoch<S, C>[], epochMs: number): SeriesPoint[] {
  const names = Object.keys(schema.sketches);
  const iPrompts = names.indexOf("prompts");
  const iTemplates = names.indexOf("templates");
  const iRequests = schema.counters.indexOf("requests" as C);
  const byIndex = new Map<number, Epoch<S, C>[]>();
  for (const e of epochs) byIndex.set(e.index, [...(byIndex.get(e.index) ?? []), e]);

  const out: SeriesPoint[] = [];
  let acc: Epoch<S, C> | null = null;
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    const merged = unionEpochs(schema, byIndex.get(index)!);
    if (acc === null) acc = unionEpochs(schema, [merged]);
    else addEpoch(acc, merged);
    const figures = (x: Epoch<S, C>): SeriesFigures => ({
      requests: iRequests >= 0 ? x.counters[iRequests]! : 0,
      prompts: iPrompts >= 0 ? Math.round(x.sketches[iPrompts]!.estimate()) : 0,
      templates: iTemplates >= 0 ? Math.round(x.sketches[iTemplates]!.estimate()) : 0,
      topics: popcount(x.topics),
    });
    out.push({ start: index * epochMs, end: (index + 1) * epochMs, ...figures(merged), window: figures(acc) });
  }
  return out;
}
