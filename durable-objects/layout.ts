/**
 * The settings that decide how a subject's state is laid out: the epoch length (a quarter of the
 * detection window: stored epochs are indexed by it) and, for fingerprints, the shard count (the
 * Worker routes accounts to shards by it). Changing one on existing state is refused: the object keeps
 * the layout it recorded when it was created and logs `storage_layout_changed` each time it starts,
 * so its recorded counts are neither lost nor misread. New objects take the configured values.
 */
import { objectWith, shapes } from "./meta-shapes";
import type { SubjectStore } from "./persist";

export interface StorageLayout {
  /** The detection window's length, ms (its epochs are a quarter of it). */
  windowMs: number;
  /** Fingerprint shards (FP_SHARDS); absent for accounts. */
  shards?: number;
}

const KEY = "layout";
const isLayout = objectWith<StorageLayout>({ windowMs: (x) => shapes.isNumber(x) && (x as number) > 0, shards: (x) => x === undefined || (shapes.isNumber(x) && (x as number) >= 1) });

/**
 * The layout this object's state uses, and whether it still has to be recorded (with the object's
 * first flush, so merely reading an unknown subject writes nothing). State written before layouts
 * were recorded is taken to use the configured one, which is what it was read with until then.
 */
export function settleLayout(store: SubjectStore, configured: StorageLayout, settings: { windowMs: string; shards?: string }): { layout: StorageLayout; unrecorded: boolean } {
  const stored = store.getMeta(KEY, isLayout);
  if (!stored) return { layout: configured, unrecorded: true };
  for (const field of ["windowMs", "shards"] as const) {
    if (stored[field] === configured[field]) continue;
    logLayoutChange(field === "windowMs" ? settings.windowMs : settings.shards, stored[field], configured[field]);
  }
  return { layout: stored, unrecorded: false };
}

/** The line every refused layout change logs, whichever object refuses it. */
export function logLayoutChange(setting: string | undefined, stored: number | undefined, configured: number | undefined): void {
  console.error(
    JSON.stringify({
      event: "storage_layout_changed",
      setting,
      stored,
      configured,
      message: "refused on existing state: this object keeps its recorded layout",
    }),
  );
}

/** Records `layout` as this object's; returns the rows written. */
export function recordLayout(store: SubjectStore, layout: StorageLayout): number {
  store.setMeta(KEY, layout);
  return 1;
}
