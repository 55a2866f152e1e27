/**
 * Reasoning and rubric elicitation: prompts that ask the model to lay out its reasoning or to
 * grade answers against a rubric. Distillation campaigns wrap harvested prompts in such requests
 * because a reasoning trace or a graded judgement is worth more as training data than a bare answer
 * ("reasoning trace coercion"). People ask for steps now and then; a stream where most prompts carry
 * the request is a harvest.
 *
 * The cues are families of phrasings, not fixed strings, so that rotated wording ("walk me through
 * your thinking", "lay out each step of your reasoning") still matches. Never stores text.
 */

/** The prompt asks for the model's reasoning laid out. */
export const CUE_REASONING = 1;
/** The prompt asks the model to grade, score or judge answers against criteria. */
export const CUE_RUBRIC = 2;
/**
 * The prompt is written as a task from an instruction dataset: an imperative task verb first
 * ("Classify…", "Generate…", "Given…"), or task scaffolding (labelled fields such as "Options:",
 * "Answer:", "Premise:", choice lists). Instruction collections read this way on most rows (Alpaca
 * 78 %, self-instruct 67 %, T0 52 % of prompts in the development data); people's first turns less
 * often (ShareGPT 22 %, InstructionWild 34 %). Weak alone, so the policy reads it only as a share
 * over many single-shot prompts and never as the only evidence.
 */
export const CUE_TASK = 4;

const REASONING: RegExp[] = [
  /\bstep[\s-]+by[\s-]+step\b/i,
  /\bchain[\s-]+of[\s-]+thoughts?\b/i,
  /\b(show|explain|detail|lay out|spell out|write out|walk (me |us )?through|describe|share|include|give|provide|reveal|expose|outline|narrate|document|present)\b[^.?!\n]{0,40}\b(reasoning|thinking|thought process|thoughts|work(ing)?|rationale|derivation|logic|deliberation|inner monologue|scratch ?pad|intermediate steps|each step|every step|all (the )?steps)\b/i,
  /\b(think|reason|work)\s+(it\s+|this\s+|things\s+)?(through|aloud|out loud|carefully|step)\b/i,
  /\blet'?s think\b/i,
  /\b(before|prior to) (answering|giving (your|the|a) (final )?answer|you answer|responding)\b/i,
  /\b(justify|explain) (each|every|your) (step|choice|answer|decision)\b/i,
  /\breasoning (trace|process|steps|chain)\b/i,
  /<(thinking|reasoning|scratchpad)>/i,
];

const RUBRIC: RegExp[] = [
  /\brubric\b/i,
  /\b(grade|score|rate|evaluate|assess|judge|critique)\b[^.?!\n]{0,40}\b(answer|response|reply|completion|essay|submission|solution|output)s?\b/i,
  /\bon a (scale|score) (of|from) \d+\s*(to|-)\s*\d+\b/i,
  /\b(out of|from 1 to) (5|10|100)\b[^.?!\n]{0,30}\b(score|points|grade|rating)\b/i,
  /\b(which|what) (response|answer) is (better|best|more (accurate|helpful|correct))\b/i,
  /\bas an? (impartial |expert |strict )?(judge|grader|evaluator|examiner)\b/i,
];

const TASK_OPENING =
  /^(generate|create|write|classify|identify|describe|rewrite|summari[sz]e|find|given|suggest|provide|compose|construct|edit|convert|calculate|name|list|come up with|determine|categori[sz]e|analy[sz]e|design|develop|compare|choose|select|pick|translate|predict|rank|sort|extract|paraphrase|complete|fill in|evaluate|formulate|outline|produce|read|answer|in this task|you are given|question:|q:|premise:|context:|passage:|article:|title:|review:|the following|consider|based on)\b/i;
const TASK_SCAFFOLD =
  /(\n(input|output|options|answer|question|a|q|choices|context|passage|article|summary|hypothesis|premise)\s*:|\n- |\boptions:|\banswer:|\bchoose (from|between|one)|\bpick (from|one)|\bthe following (sentence|text|passage|paragraph|article|review|question|statement|words|list|input)|\byes or no\b|\btrue or false\b)/i;

/**
 * A family as one regex: one scan of the text instead of one per pattern. Seventeen separate /i
 * patterns over 800 units cost ~17 µs in V8 (each scan alone ~0.2–1.6 µs, more in sequence as
 * their native code evicts each other), a third of the core's own work per request.
 */
function union(patterns: RegExp[]): string {
  for (const p of patterns) {
    // joined sources must keep their meaning: same flags, no numbered backreferences to renumber
    if (p.flags !== "i" || /\\[1-9]/.test(p.source)) throw new Error(`cues: ${p} cannot be joined`);
  }
  return patterns.map((p) => `(?:${p.source})`).join("|");
}

/** The patterns one by one, for the test that the joined regexes agree with them. */
export const CUE_PATTERNS: { readonly reasoning: readonly RegExp[]; readonly rubric: readonly RegExp[] } = { reasoning: REASONING, rubric: RUBRIC };

const REASONING_ANY = new RegExp(union(REASONING), "i");
const RUBRIC_ANY = new RegExp(union(RUBRIC), "i");
/** Either family in one scan; group 1 is set when the leftmost match is a reasoning pattern. */
const EITHER = new RegExp(`(${union(REASONING)})|${union(RUBRIC)}`, "i");

/** CUE_REASONING | CUE_RUBRIC bits of one text: the same as testing every pattern, most often in one scan. */
function familyCues(text: string): number {
  const m = EITHER.exec(text);
  if (m === null) return 0;
  // the leftmost match settles one family; the other may still match further on
  if (m[1] !== undefined) return CUE_REASONING | (RUBRIC_ANY.test(text) ? CUE_RUBRIC : 0);
  return CUE_RUBRIC | (REASONING_ANY.test(text) ? CUE_REASONING : 0);
}

/** Cues are read from both ends of a text: wrappers go around the harvested prompt. */
export const CUE_EDGE_CHARS = 400;

function edges(text: string): string {
  return text.length <= 2 * CUE_EDGE_CHARS ? text : `${text.slice(0, CUE_EDGE_CHARS)}\n${text.slice(-CUE_EDGE_CHARS)}`;
}

/**
 * Cue bits of a request: reasoning and rubric cues from its new prompt and its system prompt (a
 * campaign may put the wrapper in either), the task cue from the new prompt alone. Reads at most
 * CUE_EDGE_CHARS from each end of each text; the patterns are linear (no nested quantifiers), so a
 * crafted prompt cannot make them slow.
 */
export function promptCues(prompt: string, system: string): number {
  const p = edges(prompt);
  const s = system === "" ? "" : edges(system);
  let cues = familyCues(p);
  if (s !== "" && cues !== (CUE_REASONING | CUE_RUBRIC)) cues |= familyCues(s);
  if (TASK_OPENING.test(p.trimStart()) || TASK_SCAFFOLD.test(p)) cues |= CUE_TASK;
  return cues;
}
