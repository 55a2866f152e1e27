/**
 * The wrappers of the `reasoning` campaign: what someone distilling a reasoning model asks for. Either
 * a chain-of-thought instruction around the dataset prompt, composed from parts so its wording
 * rotates (6 x 6 x 6 phrasings, before or after the prompt), or a grading task: the dataset prompt
 * with a weak candidate answer, to be scored on a rubric and then answered properly.
 */
import type { Rng } from "../../tools/prng";

const LEADS: readonly string[] = [
  "Think step by step",
  "Let's work through this step by step",
  "Reason through this carefully, one step at a time",
  "Take it slowly and reason it out",
  "Break the problem into small steps",
  "Work it out methodically",
];

const MIDDLES: readonly string[] = [
  "and show all your reasoning",
  "and explain every step of your thinking",
  "showing your full chain of reasoning",
  "writing out each intermediate step",
  "without skipping any step of the explanation",
  "and justify each step",
];

const ENDINGS: readonly string[] = [
  "before giving the final answer.",
  "then state the final answer on its own line.",
  'and finish with "Final answer:" followed by the answer.',
  "then give a one-line answer at the end.",
  "and double-check your work before you conclude.",
  ".",
];

const GRADER_HEADS: readonly string[] = [
  "Grade this answer on a 1-10 scale with a rubric.",
  "Score the answer below from 1 to 10 using a rubric (accuracy, completeness, clarity).",
  "Act as a strict grader: rate the response on a scale of 1-10 for each rubric criterion.",
  "Evaluate the following answer. Give a score out of 10 with a short rubric and justification.",
  "You are grading homework. Rate the answer 1-10 against a clear rubric.",
];

const GRADER_TAILS: readonly string[] = [
  "Then write the ideal answer.",
  "Explain each score, then provide a model answer that would get 10/10.",
  "List what is missing and rewrite the answer so it deserves full marks.",
  "After the grade, give the correct answer with full reasoning.",
];

const CANDIDATES: readonly string[] = [
  "I think it's the second one.",
  "Yes.",
  "No, because it doesn't say that.",
  "The answer is positive.",
  "It depends on the context.",
  "Probably A.",
  "The main point is that things changed.",
  "Not enough information.",
];

export function reasoningPrompt(rng: Rng, text: string, rubric: boolean): string {
  if (rubric) {
    const question = rng.pick(["Question", "Task", "Prompt", "Problem"]);
    return `${rng.pick(GRADER_HEADS)} ${rng.pick(GRADER_TAILS)}\n\n${question}:\n${text}\n\n${rng.pick(["Answer", "Student answer", "Response"])}:\n${rng.pick(CANDIDATES)}`;
  }
  const ending = rng.pick(ENDINGS);
  const instruction = `${rng.pick(LEADS)} ${rng.pick(MIDDLES)}${ending === "." ? "." : ` ${ending}`}`;
  return rng.chance(0.5) ? `${instruction}\n\n${text}` : `${text}\n\n${instruction}`;
}
