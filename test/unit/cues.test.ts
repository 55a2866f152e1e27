import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CUE_PATTERNS, CUE_REASONING, CUE_RUBRIC, CUE_TASK, promptCues } from "../../core/signals/cues";

const lower = (s: string) => promptCues(s, "");

describe("promptCues", () => {
  it("finds reasoning requests in rotated wording", () => {
    const asks = [
      "Think step by step and show all your reasoning. What is the capital of Peru?",
      "Before answering, walk me through your thought process in detail.",
      "Please lay out each step of your reasoning, then give the final answer.",
      "Explain your reasoning thoroughly: why does ice float?",
      "Use chain-of-thought. Q: 17 * 23?",
      "Reason through this carefully and show your work: a train leaves at 3 pm...",
      "Put your scratchpad inside <thinking> tags first.",
      "Let's think about it: which of these is a mammal?",
    ];
    for (const a of asks) expect(lower(a) & CUE_REASONING, a).toBe(CUE_REASONING);
  });

  it("finds rubric and grading requests", () => {
    const asks = [
      "Grade the following answer on a scale of 1 to 10 using this rubric.",
      "As an impartial judge, evaluate the response below for accuracy.",
      "Which response is better, A or B? Explain.",
      "Score this essay out of 10 points.",
    ];
    for (const a of asks) expect(lower(a) & CUE_RUBRIC, a).toBe(CUE_RUBRIC);
  });

  it("leaves everyday questions alone", () => {
    const plain = [
      "How long should I boil an egg for a runny yolk?",
      "Why is the sky blue?",
      "Write a haiku about autumn leaves.",
      "What's a good name for a golden retriever puppy?",
      "Translate 'good morning' into Japanese.",
      "Fix this Python error: TypeError: 'NoneType' object is not subscriptable",
      "My steps counter app shows 10,000 steps; is that enough exercise?",
    ];
    for (const p of plain) expect(lower(p) & (CUE_REASONING | CUE_RUBRIC), p).toBe(0);
  });

  it("stays linear on long adversarial input", () => {
    const text = "show ".repeat(20_000) + "x";
    const t0 = performance.now();
    promptCues(text, text);
    // Generous bound: a catastrophic backtracking pattern takes seconds here, a linear one milliseconds.
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});

describe("task cue", () => {
  it("marks dataset-style tasks and leaves questions people ask alone", () => {
    const tasks = [
      "Classify the following news article into one of four topics: ...",
      "Generate a list of five tips for staying productive.",
      "Given the premise, is the hypothesis true?\nOptions:\n- yes\n- no",
      "Read the passage and answer the question.\nPassage: The Nile is...",
      "Premise: A man plays guitar. Hypothesis: A man makes music. Answer:",
    ];
    for (const t of tasks) expect(lower(t) & CUE_TASK, t).toBe(CUE_TASK);
    const questions = ["How long should I boil an egg?", "why is my sourdough so dense", "Can you recommend a good sci-fi book?", "what does 'idempotent' mean in REST APIs"];
    for (const q of questions) expect(lower(q) & CUE_TASK, q).toBe(0);
  });
});

describe("where cues are read", () => {
  it("reads a wrapper from the system prompt but the task cue from the prompt only", () => {
    expect(promptCues("What is 17 * 23?", "Always think step by step and show your reasoning.")).toBe(CUE_REASONING);
    expect(promptCues("What is 17 * 23?", "Classify the following text.") & CUE_TASK).toBe(0);
  });

  it("finds a wrapper at either end of a long prompt", () => {
    const filler = "lorem ipsum dolor sit amet. ".repeat(500); // far longer than the two ends read
    expect(promptCues(`Show all your reasoning. ${filler}`, "") & CUE_REASONING).toBe(CUE_REASONING);
    expect(promptCues(`${filler} Now think it through step by step.`, "") & CUE_REASONING).toBe(CUE_REASONING);
  });
});

describe("joined patterns", () => {
  // Words of the patterns and their neighbours, so generated texts hit, nearly hit and miss them.
  const VOCAB = (
    "step by step-by-step chain of thought thoughts show explain detail lay out spell write walk me us through describe share include give provide " +
    "reveal your reasoning thinking thought process work working rationale logic scratchpad scratch pad intermediate steps each every all the " +
    "think it this things aloud carefully let's lets before prior to answering giving final answer you responding justify choice decision trace chain " +
    "<thinking> <reasoning> rubric grade score rate evaluate assess judge critique response reply completion essay submission solution outputs on a scale " +
    "from 1 10 - out of 5 100 points rating which what is better best more accurate helpful correct as an impartial expert strict grader evaluator examiner " +
    "Step THINK Reasoning . ? ! \n , the cat sat stepping reasons"
  ).split(" ");
  const one = (patterns: readonly RegExp[], text: string) => patterns.some((p) => p.test(text));
  /** promptCues's reasoning and rubric bits, pattern by pattern as before they were joined. */
  const reference = (text: string) => (one(CUE_PATTERNS.reasoning, text) ? CUE_REASONING : 0) | (one(CUE_PATTERNS.rubric, text) ? CUE_RUBRIC : 0);

  it("give the same reasoning and rubric bits as testing each pattern", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...VOCAB), { maxLength: 40 }), fc.constantFrom(" ", "  ", "\n", "-"), (words, sep) => {
        const text = words.join(sep);
        expect(lower(text) & (CUE_REASONING | CUE_RUBRIC)).toBe(reference(text));
      }),
      { numRuns: 3000, seed: 20260110 },
    );
  });

  it("combine a prompt's and a system prompt's bits", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...VOCAB), { maxLength: 20 }), fc.array(fc.constantFrom(...VOCAB), { maxLength: 20 }), (a, b) => {
        const p = a.join(" ");
        const s = b.join(" ");
        expect(promptCues(p, s) & (CUE_REASONING | CUE_RUBRIC)).toBe(reference(p) | (s.trim() === "" ? 0 : reference(s)));
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
