/**
 * What every actor generator shares: the period, randomness, prompt pools, address space, and the
 * writer that collects lines and keeps each key's requests in strictly increasing time.
 */
import type { Label, ScenarioLine } from "../scenario";
import { buildBody } from "./bodies";
import type { BodyStyle, Turn } from "./bodies";
import type { ExtractionPool, PromptData, PromptRow } from "./data";
import type { AddressSpace, Region } from "./network";
import type { Rng } from "../../tools/prng";

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Relative activity by local hour (0–23) of people: little at night, most in the afternoon and evening. */
export const PEOPLE_HOURS: readonly number[] = [0.35, 0.18, 0.08, 0.05, 0.04, 0.07, 0.2, 0.5, 0.9, 1.1, 1.2, 1.25, 1.1, 1.2, 1.3, 1.3, 1.25, 1.2, 1.25, 1.4, 1.45, 1.3, 1.0, 0.65];
/** Office hours, for power users and business tools. */
export const WORK_HOURS: readonly number[] = [0, 0, 0, 0, 0, 0, 0.05, 0.3, 1, 1.3, 1.4, 1.2, 0.8, 1.2, 1.4, 1.4, 1.3, 1.0, 0.5, 0.3, 0.2, 0.15, 0.05, 0];

export interface Client {
  ip: string;
  ua: string;
  ja4?: string;
  asn: number;
}

export interface Emitted {
  line: ScenarioLine;
  /** emission order, the tie-break when times are equal */
  seq: number;
}

export class Scenario {
  readonly lines: Emitted[] = [];
  readonly #lastTime = new Map<string, number>();
  #seq = 0;

  constructor(
    readonly rng: Rng,
    readonly start: number,
    readonly end: number,
    readonly scale: number,
    readonly data: PromptData,
    readonly pool: ExtractionPool,
    readonly net: AddressSpace,
  ) {}

  get days(): number {
    return Math.round((this.end - this.start) / DAY);
  }

  /** Actor counts shrink with the scale but never below `min`, so a small scenario still has every kind. */
  count(base: number, min = 1): number {
    return Math.max(min, Math.round(base * this.scale));
  }

  /**
   * Records one request. A key's requests are kept in strictly increasing time (a client waits for
   * its answer); requests outside the period are dropped. Returns the time used, or undefined if dropped.
   */
  send(actor: string, label: Label, key: string, t: number, client: Client, style: BodyStyle, turns: readonly Turn[]): number | undefined {
    let time = Math.round(t);
    const last = this.#lastTime.get(key);
    if (last !== undefined && time <= last) time = last + 1 + Math.floor(this.rng.next() * 900);
    if (time < this.start || time >= this.end) return undefined;
    this.#lastTime.set(key, time);
    const { path, body } = buildBody(style, turns);
    // Field order as ScenarioLine declares it, so files diff and read alike.
    const line: ScenarioLine = {
      t: time,
      key,
      ip: client.ip,
      ua: client.ua,
      ...(client.ja4 !== undefined ? { ja4: client.ja4 } : {}),
      asn: client.asn,
      path,
      body,
      label,
      actor,
    };
    this.lines.push({ line, seq: this.#seq++ });
    return time;
  }

  /** A benign prompt (with replacement: people ask the same popular things). */
  benignPrompt(rng: Rng): PromptRow {
    return rng.pick(this.data.benign);
  }
}

/** UTC time of a moment at a local hour on a given day of the period. */
export function localTime(s: Scenario, day: number, localHour: number, utcOffset: number): number {
  return s.start + day * DAY + (localHour - utcOffset) * HOUR;
}

/** A random moment on `day` at a local hour drawn from `hours` weights. */
export function localMoment(s: Scenario, rng: Rng, day: number, region: Pick<Region, "utcOffset">, hours: readonly number[]): number {
  const hour = rng.weightedIndex(hours);
  return localTime(s, day, hour + rng.next(), region.utcOffset);
}

/** Day of week of a UTC time at a local offset, 0 = Sunday. */
function localWeekday(t: number, utcOffset: number): number {
  return new Date(t + utcOffset * HOUR).getUTCDay();
}

export function isWeekend(t: number, utcOffset: number): boolean {
  const d = localWeekday(t, utcOffset);
  return d === 0 || d === 6;
}

/** A wait between two requests of one client: log-normal around `median`, clamped. */
export function pause(rng: Rng, median: number, sigma: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, rng.logNormal(median, sigma)));
}
