/**
 * People's prompts, written by us: everyday single-shot questions (cooking, science, how-to, coding,
 * writing, travel, health, money, definitions, home, relationships) composed from our own phrase lists,
 * then given the surface habits of people typing (greetings, lower case, missing question marks,
 * "pls", a word of context). Thousands of distinct texts, so a crowd of them looks as varied as people
 * are, and a few very common questions come back from many people, as they do.
 *
 * They stand in for collected chat prompts where those cannot be shipped, and are the cover traffic
 * of campaigns that imitate people.
 */
import { PEOPLE_FIXED, PEOPLE_SLOTS, PEOPLE_TEMPLATES } from "./people-words";
import type { Rng } from "../../tools/prng";

const OPENERS: ReadonlyArray<readonly [string, number]> = [
  ["", 60],
  ["hey, ", 4],
  ["Hi! ", 3],
  ["Quick question: ", 4],
  ["ok so ", 2],
  ["Hello. ", 2],
  ["I have a question. ", 2],
  ["Can you help me? ", 3],
  ["Random question but ", 2],
  ["Sorry if this is basic: ", 1],
  ["Need help - ", 2],
];

const CLOSERS: ReadonlyArray<readonly [string, number]> = [
  ["", 55],
  [" Thanks!", 6],
  [" thanks", 4],
  [" pls", 2],
  [" Keep it short.", 4],
  [" Explain like I'm five.", 2],
  [" Step by step please.", 2],
  [" I'm a beginner.", 2],
  [" In simple words.", 2],
  [" Just the main points.", 2],
  [" Thank you in advance.", 1],
  [" (asking for a friend)", 1],
  [" Be honest.", 1],
];

/** Fills `{slot}` placeholders; a slot name may repeat with a digit (`{food2}`) for a second, different draw. */
function fill(rng: Rng, template: string): string {
  const used = new Map<string, Set<string>>();
  return template
    .replace(/\{([a-z_]+)\d?\}/g, (_, name: string) => {
      const words = PEOPLE_SLOTS[name];
      if (!words) throw new Error(`people prompts: no slot ${name}`);
      const taken = used.get(name) ?? new Set<string>();
      used.set(name, taken);
      let word = rng.pick(words);
      for (let i = 0; i < 4 && taken.has(word); i++) word = rng.pick(words);
      taken.add(word);
      return word;
    })
    .replace(/ {2,}/g, " ")
    .replace(/ ([?.!,])/g, "$1");
}

/** How a person happens to type it this time. */
function surface(rng: Rng, text: string): string {
  let out = text;
  const casual = rng.chance(0.22);
  if (casual) out = out.charAt(0).toLowerCase() + out.slice(1);
  if (casual && rng.chance(0.5)) out = out.replace(/[?.]$/, "");
  if (rng.chance(0.04)) out = out.replace(/\?$/, "??");
  const opener = rng.weighted(OPENERS);
  const closer = rng.weighted(CLOSERS);
  // After "ok so " or "hey, " the sentence goes on in lower case; after "Hi! " it starts anew.
  if (opener !== "" && !/[.!?:-] $/.test(opener)) out = out.charAt(0).toLowerCase() + out.slice(1);
  return `${opener}${out}${closer}`.trim();
}

/** One person-like prompt. */
export function personPrompt(rng: Rng): string {
  // The very common questions come back word for word, as they do in real traffic.
  if (rng.chance(0.08)) return rng.pick(PEOPLE_FIXED);
  const base = rng.chance(0.15) ? rng.pick(PEOPLE_FIXED) : fill(rng, rng.pick(PEOPLE_TEMPLATES));
  return surface(rng, base);
}

/** `count` distinct person-like prompts (fewer if the phrase lists run dry, which they do not at these sizes). */
export function peoplePrompts(rng: Rng, count: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let attempts = 0; out.length < count && attempts < count * 20; attempts++) {
    const text = personPrompt(rng);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(text);
  }
  return out;
}

const REPLY_OPENERS: readonly string[] = [
  "Sure!",
  "Good question.",
  "Here's a quick overview.",
  "Short answer: it depends, but usually yes.",
  "Happy to help.",
  "There are a few things to consider.",
  "Great question - here's how I'd think about it.",
  "Absolutely.",
  "Let me break it down.",
];

const REPLY_BODIES: readonly string[] = [
  "The main factor is timing: start small, check the result, and adjust from there.",
  "Most people get good results by following three steps: prepare, do it in one go, then review.",
  "The usual recommendation is to keep it simple and avoid changing more than one thing at a time.",
  "In most cases the difference is small, so pick whichever is easier for you to keep doing.",
  "It comes down to two things: what you already have, and how much time you want to spend.",
  "A common mistake is rushing the first step; taking an extra minute there saves a lot later.",
  "If you want a rule of thumb, aim for the middle option and fine-tune after a week or two.",
  "The science behind it is fairly simple: heat, time and moisture do most of the work.",
  "You can check whether it worked by comparing before and after; if nothing changed, try the second option.",
  "Here is an example you can adapt: write down the goal, list what you need, and set a deadline.",
];

const REPLY_CLOSERS: readonly string[] = [
  "Let me know if you want more detail on any step.",
  "Want me to turn this into a checklist?",
  "Hope that helps!",
  "If you share more about your situation I can be more specific.",
  "",
];

/** A plausible earlier assistant answer, for conversations whose history a client resends. */
export function assistantReply(rng: Rng): string {
  const body = rng.shuffle([...REPLY_BODIES]).slice(0, rng.int(1, 3));
  return [rng.pick(REPLY_OPENERS), ...body, rng.pick(REPLY_CLOSERS)].filter((s) => s !== "").join(" ");
}
