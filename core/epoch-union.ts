/**
 * The union of detection-window epochs: counters add, HyperLogLog sketches merge (losslessly) and
 * topic bitsets OR together. Used for a window's figures, for the series of a window, to exchange a
 * shard's window with its peers and to merge every shard of a fingerprint for operators.
 */
import { Epoch, type WindowSchema } from "./window";

/** What a union reads of an epoch. */
export type EpochFigures<S extends string, C extends string> = Pick<Epoch<S, C>, "counters" | "sketches" | "topics">;

/** Adds `from` into `into` (both of one schema). */
export function addEpoch<S extends string, C extends string>(into: EpochFigures<S, C>, from: EpochFigures<S, C>): void {
  for (let i = 0; i < into.counters.length; i++) into.counters[i]! += from.counters[i]!;
  for (let i = 0; i < into.sketches.length; i++) into.sketches[i]!.merge(from.sketches[i]!);
  for (let i = 0; i < into.topics.length; i++) into.topics[i]! |= from.topics[i]!;
}

/** A fresh epoch (index −1) holding the union of `epochs`; the inputs are left unchanged. */
export function unionEpochs<S extends string, C extends string>(schema: WindowSchema<S, C>, epochs: Iterable<EpochFigures<S, C>>): Epoch<S, C> {
  const union = new Epoch(schema, -1);
  for (const e of epochs) addEpoch(union, e);
  return union;
}
