import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { explainTemplate, extractFeatures, MAX_FEATURE_CHARS, sampleWindows, SHINGLE_SAMPLE, textIdentity, TOPIC_BUCKETS, TOPIC_COARSE_SHIFT } from "../../core/features";
import { hashKeyFromWords, hashWord32, type Hash64, type HashKey } from "../../core/hash";
import {
  foldedWordHash,
  isWordUnit,
  normalise,
  TF_CAP,
  TF_COLON,
  TF_NEWLINE,
  TF_PARA,
  TF_QUOTED,
  TK_CJK,
  TK_EMAIL,
  TK_ID,
  TK_KIND_MASK,
  TK_NUMBER,
  TK_URL,
  TK_WORD,
  tokenize,
  Tokens,
} from "../../core/text";
import type { Features, PromptInput } from "../../core/types";
import { Rng } from "../../tools/prng";

const KEY = hashKeyFromWords(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344);
const OTHER_KEY = hashKeyFromWords(0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89);

const one = (text: string, key: HashKey = KEY, system = ""): Features => extractFeatures(key, { userTurns: [text], system, assistantTurns: 0 });
const hex = (h: Hash64) => h.hi.toString(16).padStart(8, "0") + h.lo.toString(16).padStart(8, "0");
const pairs = (a: Uint32Array): string[] => {
  const out: string[] = [];
  for (let i = 0; i < a.length; i += 2) out.push(a[i]!.toString(16) + ":" + a[i + 1]!.toString(16));
  return out;
};

/** Uniform numbers in [0, 1) from the project's seeded generator, for reproducible statistical tests. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** Pronounceable pseudo-words, distinct and reproducible. */
function vocabulary(n: number, seed: number): string[] {
  const rnd = prng(seed);
  const cons = "bcdfghjklmnprstvz";
  const vow = "aeiou";
  const set = new Set<string>();
  while (set.size < n) {
    let w = "";
    const syl = 2 + Math.floor(rnd() * 3);
    for (let i = 0; i < syl; i++) w += cons[Math.floor(rnd() * cons.length)]! + vow[Math.floor(rnd() * vow.length)]!;
    set.add(w);
  }
  return [...set];
}

// ---- the sample data shipped in eval/data (licences in its MANIFEST.md) ---------------------------

const DATA = (name: string) => fileURLToPath(new URL(`../../eval/data/${name}`, import.meta.url));
type Row = { source: string; id: string; group?: string; turns: string[] };
function readRows(name: string): Row[] {
  const buf = readFileSync(DATA(name));
  const text = new TextDecoder().decode(name.endsWith(".gz") ? gunzipSync(buf) : buf);
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Row);
}

// ---- text ------------------------------------------------------------------------------------

describe("normalise", () => {
  it("lowercases, collapses whitespace runs and trims", () => {
    expect(normalise("  Hello,\t\tWORLD \n\n again\u00a0 now  ")).toBe("hello, world again now");
    expect(normalise("a\r\nb\u2028c\u3000d")).toBe("a b c d");
    expect(normalise("")).toBe("");
  });

  it("agrees with the obvious definition on mixed input", () => {
    const rnd = prng(7);
    const parts = ["Foo", "bar", " ", "  ", "\n", "\t", "\u00a0", "Ünïcödé", "x", ".", "\r\n"];
    for (let k = 0; k < 200; k++) {
      let s = "";
      for (let i = 0; i < 12; i++) s += parts[Math.floor(rnd() * parts.length)];
      expect(normalise(s)).toBe(s.toLowerCase().replace(/\s+/g, " ").trim());
    }
  });
});

describe("tokenize", () => {
  const words = (s: string) => {
    const t = tokenize(s, new Tokens(4), KEY.s1);
    return Array.from({ length: t.count }, (_, i) => s.slice(t.start[i], t.end[i]));
  };
  const kinds = (s: string) => {
    const t = tokenize(s, new Tokens(4), KEY.s1);
    return Array.from({ length: t.count }, (_, i) => t.info[i]! & TK_KIND_MASK);
  };

  it("splits letter/digit runs, one token per CJK character, URLs and e-mails whole", () => {
    expect(words("Hello, world! It's 3.14 o'clock")).toEqual(["Hello", "world", "It", "s", "3", "14", "o", "clock"]);
    expect(words("see https://example.com/a?b=1, or www.foo.org.")).toEqual(["see", "https://example.com/a?b=1", "or", "www.foo.org"]);
    expect(words("mail john.smith@example.co.uk now")).toEqual(["mail", "john.smith@example.co.uk", "now"]);
    expect(words("中文字 テスト 한국어 café naïve")).toEqual(["中", "文", "字", "テ", "ス", "ト", "한국어", "café", "naïve"]);
    expect(kinds("gpt4 2023 12345678 deadbeef01 3f9a0c https://x.y a@b.c 字")).toEqual([TK_WORD, TK_NUMBER, TK_ID, TK_ID, TK_ID, TK_URL, TK_EMAIL, TK_CJK]);
  });

  it("reports line structure, colons, quotes and capitals", () => {
    const s = 'Summarise this:\n\nThe "quoted words" here\nand Paris';
    const t = tokenize(s, new Tokens(4), KEY.s1);
    const at = (w: string) => t.info[words(s).indexOf(w)]!;
    expect(at("The") & TF_PARA).toBeTruthy();
    expect(at("The") & TF_COLON).toBeTruthy();
    expect(at("The") & TF_CAP).toBeTruthy();
    expect(at("quoted") & TF_QUOTED).toBeTruthy();
    expect(at("here") & TF_QUOTED).toBeFalsy();
    expect(at("and") & TF_NEWLINE).toBeTruthy();
    expect(at("and") & TF_PARA).toBeFalsy();
    expect(at("Paris") & TF_CAP).toBeTruthy();
  });

  it("computes hashWord32 of the lowercased word without building it", () => {
    const s = "Hello WORLD Ünïcödé ΑΘΗΝΑ Привет https://Example.COM x@Y.org 中 İstanbul";
    const t = tokenize(s, new Tokens(4), KEY.s1);
    const low = s.toLowerCase();
    expect(low.length).not.toBe(s.length); // İ lowercases to two units; the fold keeps one
    for (let i = 0; i < t.count; i++) {
      const w = s.slice(t.start[i], t.end[i]);
      if (w.includes("İ")) continue;
      const lw = w.toLowerCase();
      expect(t.hash[i]).toBe(hashWord32(KEY, lw, 0, lw.length));
      expect(foldedWordHash(KEY.s1, s, t.start[i]!, t.end[i]!)).toBe(t.hash[i]);
    }
  });

  it("appends sampled windows and grows past its capacity", () => {
    const s = "alpha beta gamma delta ".repeat(200);
    const t = new Tokens(2);
    tokenize(s, t, KEY.s1, 0, 23);
    tokenize(s, t, KEY.s1, 23, s.length, true);
    expect(t.count).toBe(800);
    expect(words(s).length).toBe(800);
  });
});

// ---- features --------------------------------------------------------------------------------

describe("extractFeatures basics", () => {
  it("is deterministic", () => {
    const input: PromptInput = { userTurns: ["Tell me about Paris.", "And about Lyon in 1999?"], system: "You are terse.", assistantTurns: 1 };
    const a = extractFeatures(KEY, input);
    const b = extractFeatures(KEY, input);
    expect(b).toEqual(a);
    // unrelated calls in between do not change the result (scratch state does not leak)
    one("something else entirely, quite long ".repeat(100));
    expect(extractFeatures(KEY, input)).toEqual(a);
  });

  it("is invariant under case and whitespace changes", () => {
    const a = one("Write a haiku about the Sea.\n\nKeep it   short!", KEY, "You are a poet.");
    const b = one("  write a HAIKU about the sea. keep it short!\t", KEY, "YOU are a\npoet. ");
    expect(hex(b.prompt)).toBe(hex(a.prompt));
    expect(hex(b.system!)).toBe(hex(a.system!));
    expect(pairs(b.shingles)).toEqual(pairs(a.shingles));
    expect(b.topic).toBe(a.topic);
    // but not under changes of words or punctuation
    expect(hex(one("Write a haiku about the sea? Keep it short!").prompt)).not.toBe(hex(a.prompt));
    expect(hex(one("Write a haiku about the lake. Keep it short!").prompt)).not.toBe(hex(a.prompt));
  });

  it("depends on the secret", () => {
    const text = "Summarise the following article:\n\nThe committee met on Tuesday and agreed a new budget for the coming year.";
    const a = one(text, KEY, "sys");
    const b = one(text, OTHER_KEY, "sys");
    expect(hex(b.prompt)).not.toBe(hex(a.prompt));
    expect(hex(b.template)).not.toBe(hex(a.template));
    expect(hex(b.system!)).not.toBe(hex(a.system!));
    // a text long enough that both keys keep shingles
    const long = vocabulary(200, 4).join(" ");
    const sa = new Set(pairs(one(long, KEY).shingles));
    const sb = pairs(one(long, OTHER_KEY).shingles);
    expect(sa.size).toBeGreaterThan(0);
    expect(sb.length).toBeGreaterThan(0);
    for (const x of sb) expect(sa.has(x)).toBe(false);
  });

  it("uses the last user turn as the prompt and the first as the conversation", () => {
    const first = "I am planning a trip to Japan in April.";
    const last = "What should I pack?";
    const f = extractFeatures(KEY, { userTurns: [first, "Which cities?", last], system: "Be helpful.", assistantTurns: 2 });
    const lone = one(last);
    expect(hex(f.prompt)).toBe(hex(lone.prompt));
    expect(hex(f.template)).toBe(hex(lone.template));
    expect(pairs(f.shingles)).toEqual(pairs(lone.shingles));
    expect(f.topic).toBe(lone.topic);
    expect(hex(f.conversation)).toBe(hex(one(first).prompt));
    expect(hex(f.conversation)).toBe(hex(textIdentity(KEY, first)));
    expect(f.turns).toBe(3);
    expect(f.chars).toBe(first.length + "Which cities?".length + last.length + "Be helpful.".length);
    expect(f.tokens).toBe(Math.ceil(f.chars / 4));
    // a single turn is its own conversation
    expect(hex(lone.conversation)).toBe(hex(lone.prompt));
  });

  it("reports no system prompt for blank system text", () => {
    expect(one("hi", KEY, "").system).toBeNull();
    expect(one("hi", KEY, " \n\t\u00a0").system).toBeNull();
    expect(one("hi", KEY, "x").system).not.toBeNull();
  });

  it("handles empty input", () => {
    const f = extractFeatures(KEY, { userTurns: [], system: "", assistantTurns: 0 });
    expect(f.turns).toBe(0);
    expect(f.chars).toBe(0);
    expect(f.shingles.length).toBe(0);
    expect(f.topic).toBe(0);
    expect(hex(f.prompt)).toBe(hex(one("").prompt));
  });

  it("emits de-duplicated hi,lo pairs and a topic in range", () => {
    const text = vocabulary(60, 3).join(" ").repeat(5);
    const f = one(text);
    expect(f.shingles.length % 2).toBe(0);
    expect(new Set(pairs(f.shingles)).size).toBe(f.shingles.length / 2);
    expect(f.topic).toBeGreaterThanOrEqual(0);
    expect(f.topic).toBeLessThan(TOPIC_BUCKETS);
  });
});

describe("sampling", () => {
  it("keeps a 3-gram in every prompt or in none", () => {
    const vocab = vocabulary(300, 12);
    const rnd = prng(9);
    const ref = new Map<string, Set<string>>(); // 3-gram text -> its shingle when kept
    let kept = 0;
    let total = 0;
    for (let k = 0; k < 400; k++) {
      const tri = Array.from({ length: 3 }, () => vocab[Math.floor(rnd() * vocab.length)]).join(" ");
      const s = new Set(pairs(one(tri).shingles));
      ref.set(tri, s);
      total++;
      kept += s.size;
      // the same 3-gram inside a longer prompt
      const padded = `${vocab[k % 300]} ${vocab[(k * 7) % 300]} ${tri} ${vocab[(k * 13) % 300]}`;
      const inLong = new Set(pairs(one(padded).shingles));
      for (const x of s) expect(inLong.has(x)).toBe(true);
    }
    const p = 1 / SHINGLE_SAMPLE;
    expect(Math.abs(kept / total - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / total));
  });

  it("keeps more shingles for longer prompts and a bounded number for 64 KB", () => {
    const vocab = vocabulary(3000, 13);
    const rnd = prng(17);
    const textOf = (chars: number) => {
      let s = "";
      while (s.length < chars) s += vocab[Math.floor(rnd() * vocab.length)] + (rnd() < 0.08 ? ". " : " ");
      return s;
    };
    const mean = (chars: number) => {
      let sum = 0;
      for (let k = 0; k < 30; k++) sum += one(textOf(chars)).shingles.length / 2;
      return sum / 30;
    };
    const m200 = mean(200);
    const m1000 = mean(1000);
    expect(m1000).toBeGreaterThan(2.5 * m200);
    // about 3-grams/SHINGLE_SAMPLE: the 768-unit sample of a 1 KB prompt of ~7-unit words has ~100
    expect(m1000).toBeGreaterThan(8);
    expect(m1000).toBeLessThan(40);
    const huge = textOf(65536);
    const f = one(huge);
    expect(f.shingles.length / 2).toBeLessThanOrEqual(Math.ceil(MAX_FEATURE_CHARS / 2 / SHINGLE_SAMPLE) * 2);
    expect(f.chars).toBe(huge.length);
    expect(f.tokens).toBe(Math.ceil(huge.length / 4));
  });

  it("reads long texts in deterministic windows cut at word boundaries", () => {
    const text = vocabulary(500, 21).join(" ").repeat(20);
    const w = new Int32Array(16);
    const n = sampleWindows(text, w);
    expect(n).toBeGreaterThan(2);
    let total = 0;
    for (let j = 0; j < n; j++) {
      const a = w[2 * j]!;
      const b = w[2 * j + 1]!;
      expect(b).toBeGreaterThan(a);
      if (j > 0) expect(a).toBeGreaterThanOrEqual(w[2 * j - 1]!);
      expect(a === 0 || !isWordUnit(text.charCodeAt(a - 1)) || !isWordUnit(text.charCodeAt(a))).toBe(true);
      expect(b === text.length || !isWordUnit(text.charCodeAt(b - 1)) || !isWordUnit(text.charCodeAt(b))).toBe(true);
      total += b - a;
    }
    expect(total).toBeLessThanOrEqual(MAX_FEATURE_CHARS);
    expect(w[0]).toBe(0);
    expect(w[2 * n - 1]).toBe(text.length);
    expect(sampleWindows("short text", w)).toBe(1);
    // identity of long texts: the same text always matches, an edit in a sampled window does not
    const f = one(text);
    expect(hex(one(text.slice()).prompt)).toBe(hex(f.prompt));
    expect(hex(one("Zebra" + text.slice(5)).prompt)).not.toBe(hex(f.prompt));
    expect(hex(one(text.slice(0, -5) + "zebra").prompt)).not.toBe(hex(f.prompt));
  });
});

describe("template", () => {
  const tpl = (s: string) => hex(one(s).template);

  it("gives one template to one instruction over many inputs", () => {
    const inputs = [
      "The cat sat on the mat.",
      "Where is the nearest train station? I need to get to Lyon by 5 pm.",
      "I'd like two coffees and a croissant, please.",
      "Our quarterly revenue grew by 12% compared with last year, driven by strong sales in Europe.",
      "Good morning!",
    ];
    const shapes: ((x: string) => string)[] = [
      (x) => `Translate to French: ${x}`,
      (x) => `Summarise the following article:\n\n${x}`,
      (x) => `Classify the sentiment of the following message as positive, neutral or negative.\n\nMessage: ${x}`,
      (x) => `${x}\n\nTL;DR:`,
      (x) => `Text: ${x}\nSentiment (positive/negative/neutral):`,
    ];
    for (const shape of shapes) {
      const hashes = new Set(inputs.map((x) => tpl(shape(x))));
      expect(hashes.size, explainTemplate(KEY, shape(inputs[0]!))).toBe(1);
    }
    expect(explainTemplate(KEY, "Translate to French: The cat sat on the mat.")).toBe("translate to <NAME> <SLOT>");
    expect(explainTemplate(KEY, "Summarise the following article:\n\nAnything at all.")).toBe("summarise the following article <SLOT>");
  });

  it("gives different templates to different instructions", () => {
    const x = "The committee met on Tuesday and agreed a new budget for the coming year.";
    const instructions = [
      "Translate to French:",
      "Translate into formal English:",
      "Summarise the following article:",
      "Summarise the following article in one sentence:",
      "Extract the names of all people mentioned:",
      "Classify the topic of this text:",
      "Rewrite this in plain English:",
      "What is the main point of this text?",
    ];
    const hashes = new Set(instructions.map((i) => tpl(`${i}\n\n${x}`)));
    expect(hashes.size).toBe(instructions.length);
    // capitalised words are masked as names, so the target language is part of the variable input
    expect(tpl(`Translate to French: ${x}`)).toBe(tpl(`Translate to German: ${x}`));
    // no instruction at all: the template is the masked text itself, so prompts differ
    expect(tpl("How do I bake bread?")).not.toBe(tpl("How do I fix a bike?"));
  });

  it("masks numbers, quotes, URLs, e-mails and names", () => {
    const a = explainTemplate(KEY, 'Email jane@example.com about order 12345 from https://shop.example/x and tell Mrs Smith "thank you".');
    const b = explainTemplate(KEY, 'Email bob@test.org about order 987 from http://a.b/c and tell Mr Jones "we are sorry".');
    expect(a).toBe(b);
    expect(a).toContain("<EMAIL>");
    expect(a).toContain("<NUM>");
  });

  it("groups the rows of one T0 template together (shipped sample)", () => {
    let rows = 0;
    let modal = 0;
    for (const file of ["t0/ag_news.jsonl.gz", "t0/amazon_polarity.jsonl.gz", "t0/cnn_dailymail.jsonl.gz", "t0/multi_news.jsonl.gz"]) {
      const groups = new Map<string, string[]>();
      for (const r of readRows(file)) {
        const g = groups.get(r.group!) ?? [];
        if (g.length < 60) g.push(r.turns[0]!);
        groups.set(r.group!, g);
      }
      for (const texts of groups.values()) {
        const count = new Map<string, number>();
        for (const t of texts) count.set(tpl(t), (count.get(tpl(t)) ?? 0) + 1);
        rows += texts.length;
        modal += Math.max(...count.values());
      }
    }
    // measured on the shipped sample of these four files: 0.87 of rows share their group's modal template
    expect(modal / rows).toBeGreaterThan(0.8);
  });

  it("gives varied instructions varied templates (shipped self-instruct seed tasks)", () => {
    const rows = readRows("seed_tasks.jsonl.gz").slice(0, 150);
    for (let i = 0; i < 150; i += 50) {
      const distinct = new Set(rows.slice(i, i + 50).map((r) => tpl(r.turns[0]!)));
      expect(distinct.size).toBeGreaterThanOrEqual(48);
    }
  });
});

describe("topic", () => {
  const coarse = (s: string, key = KEY) => one(s, key).topic >>> TOPIC_COARSE_SHIFT;

  it("puts a narrow set of related prompts in fewer coarse buckets than a broad one", () => {
    // narrow: prompts of 8 words drawn from one 10-word subject vocabulary; broad: from 4000 words
    const vocab = vocabulary(4000, 31);
    const fillers = ["please", "tell", "me", "about", "the", "and", "how", "what", "is", "a", "for"];
    for (const [k, key] of [KEY, OTHER_KEY].entries()) {
      const rnd = prng(100 + k);
      const pick = (from: string[], n: number) => Array.from({ length: n }, () => from[Math.floor(rnd() * from.length)]!);
      const prompt = (subject: string[]) => [...pick(subject, 8), ...pick(fillers, 4)].sort(() => rnd() - 0.5).join(" ");
      let narrowSum = 0;
      let broadSum = 0;
      for (let trial = 0; trial < 10; trial++) {
        const subject = pick(vocab, 10);
        narrowSum += new Set(Array.from({ length: 50 }, () => coarse(prompt(subject), key))).size;
        broadSum += new Set(Array.from({ length: 50 }, () => coarse(prompt(vocab), key))).size;
      }
      // SimHash over short prompts is a weak topic signal: about 12 vs 23 buckets here (worst over 40
      // keys: 0.67 of the broad coverage)
      expect(narrowSum / 10).toBeLessThan(0.8 * (broadSum / 10));
      expect(broadSum / 10).toBeGreaterThan(20); // 50 unrelated prompts spread over most of the 32 buckets
    }
  });

  it("ignores stopwords and repeats, and follows small edits", () => {
    expect(coarse("volcano eruption magma lava crater")).toBe(coarse("the volcano and the eruption of magma, lava, crater, lava"));
    expect(one("the and of a to is").topic).toBe(0);
  });
});
