/**
 * The cross-account view of one instruction frame (the template of a prompt: its instruction with
 * the input masked, core/features/template.ts), for swarms: hundreds of keys, each sending fewer
 * prompts than the account gate needs, each on a common client and its own address. No account and
 * no fingerprint ever has enough to judge, but a dataset's rows share their instruction frames, and
 * a swarm sweeping the dataset sends the same frames from many new keys, each with an input of its
 * own, every input once.
 *
 * People share frames too, so a request counts here only when what it carries could be a dataset
 * row and not a person's question: single-shot and fresh, from a new account (few requests so far),
 * inside a frame of at least FRAME_MIN_WORDS unmasked words ("can you help me …", "quick question
 * …" and empty frames never count), with at least FRAME_INPUT_WORDS words (an instruction around an
 * input, not a one-line question). The policy (core/policy.ts, assessFrame) then wants many such
 * accounts and every prompt distinct: people who share a specific frame ask the same few questions.
 *
 * The tally is exact and small: one entry per counted request (32-bit keyed hashes of the account
 * and the prompt, and the time), the newest FRAME_CAPACITY kept, within the window.
 */
import type { Config } from "../config";
import type { FrameFigures } from "../policy";

/** Entries a frame keeps: far above the thresholds, small enough to store in one row. */
export const FRAME_CAPACITY = 512;

/**
 * A new account, for the frame signal: one whose inspected requests so far stay within twice the
 * account gate. Accounts past it are judged by their own figures; an app's or a batch job's frame
 * never answers for them.
 */
export function isNewAccount(requests: number, cfg: Pick<Config, "MIN_REQUESTS">): boolean {
  return requests <= 2 * cfg.MIN_REQUESTS;
}

export interface FrameShape {
  history: boolean;
  frameWords?: number;
  words?: number;
}

/** Whether a request's prompt is an instruction around an input, in a frame specific enough to count. */
export function frameEligible(p: FrameShape, cfg: Pick<Config, "FRAME_MIN_WORDS" | "FRAME_INPUT_WORDS">): boolean {
  return !p.history && (p.frameWords ?? 0) >= cfg.FRAME_MIN_WORDS && (p.words ?? 0) >= cfg.FRAME_INPUT_WORDS;
}

export interface FrameNote {
  account: number;
  prompt: number;
  at: number;
}

export class FrameTally {
  private notes: FrameNote[] = [];

  constructor(readonly windowMs: number) {}

  /** Counts one eligible request; notes arrive about in time order (an out-of-order one is placed). */
  note(n: FrameNote): void {
    const notes = this.notes;
    let i = notes.length;
    while (i > 0 && notes[i - 1]!.at > n.at) i--;
    notes.splice(i, 0, { account: n.account >>> 0, prompt: n.prompt >>> 0, at: n.at });
    if (notes.length > FRAME_CAPACITY) notes.splice(0, notes.length - FRAME_CAPACITY);
  }

  /** Drops what fell out of the window before `now`. */
  expire(now: number): void {
    const from = now - this.windowMs;
    let k = 0;
    while (k < this.notes.length && this.notes[k]!.at < from) k++;
    if (k > 0) this.notes.splice(0, k);
  }

  figures(now: number): FrameFigures {
    this.expire(now);
    const accounts = new Map<number, number>();
    const prompts = new Set<number>();
    for (const n of this.notes) {
      if (!accounts.has(n.account)) accounts.set(n.account, n.at);
      prompts.add(n.prompt);
    }
    const arrivals = [...accounts.values()];
    const spanMs = arrivals.length > 1 ? Math.max(...arrivals) - Math.min(...arrivals) : 0;
    return { requests: this.notes.length, accounts: accounts.size, prompts: prompts.size, spanMs };
  }

  get size(): number {
    return this.notes.length;
  }

  /** Flat [account, prompt, at] triples, for storage. */
  save(): number[] {
    return this.notes.flatMap((n) => [n.account, n.prompt, n.at]);
  }

  /** Reads what save() wrote; anything malformed gives an empty tally rather than wrong figures. */
  static load(raw: unknown, windowMs: number): FrameTally {
    const t = new FrameTally(windowMs);
    if (!Array.isArray(raw) || raw.length % 3 !== 0 || raw.length > 3 * FRAME_CAPACITY) return t;
    if (!raw.every((x) => typeof x === "number" && Number.isFinite(x))) return t;
    for (let i = 0; i < raw.length; i += 3) t.note({ account: raw[i] as number, prompt: raw[i + 1] as number, at: raw[i + 2] as number });
    return t;
  }
}
