/**
 * The frame signal on text that goes through the production features: a swarm of new keys sweeping
 * a dataset's instruction frames is judged, a crowd of people (short questions, generic openers,
 * popular questions asked word for word, long pasted texts in frames of their own) never is.
 */
import { describe, expect, it } from "vitest";
import { parseConfig, type Config } from "../../core/config";
import { extractFeatures } from "../../core/features";
import { hashKeyFromWords } from "../../core/hash";
import { actionFor, assessFrame, type Action } from "../../core/policy";
import { FRAME_CAPACITY, FrameTally, frameEligible, isNewAccount } from "../../core/signals/frames";
import { Rng } from "../../tools/prng";

const KEY = hashKeyFromWords(0x1234, 0x5678, 0x9abc, 0xdef0);
const HOUR = 3600_000;
const T0 = Date.UTC(2026, 2, 2, 8);

const WORDS =
  "river market planet signal engine garden castle winter copper forest harbor violin lantern meadow rocket silver thunder canyon pepper marble orchard pilot ember falcon glacier velvet timber cobalt saddle quartz".split(
    " ",
  );

function passage(rng: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(rng.pick(WORDS));
  return `${out.join(" ")}.`;
}

/** Dataset-style templates: a specific instruction around an input. */
const DATASET: ((rng: Rng) => string)[] = [
  (r) => `Read the following passage and answer the question that follows.\n\n${passage(r, 40)}\n\nQuestion: what happened to the ${r.pick(WORDS)}?`,
  (r) => `${passage(r, 30)}\n\nGiven the paragraph above, write a short title that captures its main idea.`,
  (r) => `Use the following options to predict a possible question for them: ${passage(r, 25)}`,
  (r) => `Is the sentiment of the following product review positive or negative?\n\n${passage(r, 35)}`,
  (r) => `${passage(r, 28)}\n\nWhich category best describes the text above: company, artist, athlete or building?`,
  (r) => `Generate a sentence that uses all of the following concepts in a natural way: ${passage(r, 22)}`,
];

const QUESTIONS = ["why is the sky blue?", "how do I boil an egg?", "what should I eat in Lisbon?", "how does compound interest work?", "is coffee bad for you?", "how do I center a div?"];

/** A person's prompt: short questions, generic openers, a popular question word for word, or a long paste in a frame of its own. */
function personPrompt(rng: Rng): { text: string; system: string } {
  const system = rng.chance(0.1) ? "You are a helpful assistant." : "";
  const k = rng.int(0, 5);
  if (k === 0) return { text: rng.pick(QUESTIONS), system };
  if (k === 1) return { text: `Can you help me: ${passage(rng, 30)}`, system };
  if (k === 2) return { text: `Quick question, ${passage(rng, 25)}`, system };
  // popular long questions asked word for word by many people
  if (k === 3) return { text: "What is the difference between a Roth IRA and a traditional IRA, and which one should I open first if I am twenty five and just started my first job?", system };
  if (k === 4) return { text: `${passage(rng, 30)} ${rng.pick(WORDS)} ${rng.int(1, 1e6)} what do you think about this?`, system };
  return { text: `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)} ${passage(rng, 24)}`, system };
}

interface Sent {
  account: number;
  at: number;
  text: string;
  system?: string;
  requestsBefore: number;
}

/**
 * What the Worker does, in pure code: read the frame's verdict before the request is counted (a new
 * account's eligible single-shot request only), refuse on it, then note the request to the frame.
 */
function replay(sent: Sent[], cfg: Config): { refused: Set<number>; judgedFrames: number } {
  const tallies = new Map<string, { tally: FrameTally; action: Action }>();
  const refused = new Set<number>();
  for (const s of [...sent].sort((a, b) => a.at - b.at)) {
    const f = extractFeatures(KEY, { userTurns: [s.text], system: s.system ?? "", assistantTurns: 0 });
    if (!frameEligible({ history: false, frameWords: f.frameWords, words: f.words }, cfg) || !isNewAccount(s.requestsBefore + 1, cfg)) continue;
    const id = `${f.template.hi}:${f.template.lo}`;
    let t = tallies.get(id);
    if (!t) tallies.set(id, (t = { tally: new FrameTally(7 * 24 * HOUR), action: "allow" }));
    if (t.action !== "allow") refused.add(s.account);
    t.tally.note({ account: s.account, prompt: f.prompt.lo, at: s.at });
    t.action = actionFor(assessFrame(t.tally.figures(s.at), cfg).score, cfg);
  }
  return { refused, judgedFrames: [...tallies.values()].filter((t) => t.action !== "allow").length };
}

describe("frame signal", () => {
  const cfg = parseConfig({});

  it("judges a swarm of 200 new keys sweeping a dataset's frames, under the account gate each", () => {
    const rng = new Rng("swarm");
    const sent: Sent[] = [];
    for (let k = 0; k < 200; k++) {
      const first = T0 + rng.float(0, 48) * HOUR;
      const n = rng.int(4, cfg.MIN_REQUESTS - 1);
      for (let i = 0; i < n; i++) sent.push({ account: 1000 + k, at: first + i * rng.float(5, 60) * 60_000, text: rng.pick(DATASET)(rng), requestsBefore: i });
    }
    const { refused, judgedFrames } = replay(sent, cfg);
    expect(judgedFrames).toBe(DATASET.length);
    expect(refused.size / 200).toBeGreaterThanOrEqual(0.95);
  });

  it("never judges 2,000 people, whose shared frames are generic or whose shared questions repeat", () => {
    const rng = new Rng("crowd");
    const sent: Sent[] = [];
    for (let k = 0; k < 2000; k++) {
      const n = rng.int(1, 12);
      let at = T0 + rng.float(0, 7 * 24) * HOUR;
      for (let i = 0; i < n; i++) {
        const p = personPrompt(rng);
        sent.push({ account: 50_000 + k, at, text: p.text, system: p.system, requestsBefore: i });
        at += rng.float(2, 180) * 60_000;
      }
    }
    const { refused, judgedFrames } = replay(sent, cfg);
    expect(judgedFrames).toBe(0);
    expect(refused.size).toBe(0);
  });

  it("counts only an input inside a specific frame: short frames and one-line questions are never eligible", () => {
    const f = (text: string) => extractFeatures(KEY, { userTurns: [text], system: "", assistantTurns: 0 });
    const generic = f(`Can you help me: ${passage(new Rng(1), 30)}`);
    expect(frameEligible({ history: false, ...generic }, cfg)).toBe(false);
    const question = f("What are the must see things in Lisbon for a first visit?");
    expect(frameEligible({ history: false, ...question }, cfg)).toBe(false);
    const row = f(DATASET[0]!(new Rng(2)));
    expect(frameEligible({ history: false, ...row }, cfg)).toBe(true);
    expect(frameEligible({ history: true, ...row }, cfg)).toBe(false);
  });

  it("wants every prompt distinct: one question sent by many new accounts is people, not a dataset", () => {
    const t = new FrameTally(HOUR * 24);
    for (let a = 0; a < 40; a++) t.note({ account: a, prompt: a % 10, at: T0 + a * 1000 });
    expect(assessFrame(t.figures(T0 + 60_000), cfg).score).toBe(0);
    const d = new FrameTally(HOUR * 24);
    for (let a = 0; a < 4; a++) d.note({ account: a, prompt: 100 + a, at: T0 + a * 1000 });
    expect(assessFrame(d.figures(T0 + 60_000), cfg).score).toBe(0);
    d.note({ account: 4, prompt: 104, at: T0 + 5000 });
    const five = assessFrame(d.figures(T0 + 60_000), cfg);
    expect(actionFor(five.score, cfg)).toBe("throttle");
    expect(five.reasons[0]).toMatch(/5 new accounts sent 5 distinct single-shot inputs inside one instruction frame/);
  });

  it("forgets what left the window, keeps at most FRAME_CAPACITY entries, and reads back what it saved", () => {
    const t = new FrameTally(HOUR);
    for (let i = 0; i < FRAME_CAPACITY + 50; i++) t.note({ account: i, prompt: i, at: T0 + i });
    expect(t.size).toBe(FRAME_CAPACITY);
    const back = FrameTally.load(t.save(), HOUR);
    expect(back.figures(T0 + 1000)).toEqual(t.figures(T0 + 1000));
    expect(t.figures(T0 + 2 * HOUR).requests).toBe(0);
    expect(FrameTally.load([1, 2], HOUR).size).toBe(0);
    expect(FrameTally.load("junk", HOUR).size).toBe(0);
  });

  it("answers only for new accounts", () => {
    expect(isNewAccount(2 * cfg.MIN_REQUESTS, cfg)).toBe(true);
    expect(isNewAccount(2 * cfg.MIN_REQUESTS + 1, cfg)).toBe(false);
  });
});
