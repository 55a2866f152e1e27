/**
 * Deterministic synthetic prompt streams for tests: a sweep over many instructions and subjects, a
 * chatty user, a batch job and an app. Real data lives in ../shared and is used by the eval tool.
 */
const SUBJECTS = [
  "photosynthesis", "the French revolution", "binary search trees", "volcanoes", "jazz harmony", "supply and demand",
  "the immune system", "black holes", "medieval castles", "climate models", "sourdough baking", "tax law",
  "the Roman senate", "neural networks", "coral reefs", "opera history", "plate tectonics", "cryptography",
  "marathon training", "impressionist painting", "quantum tunnelling", "urban planning", "beekeeping", "game theory",
  "the Silk Road", "protein folding", "tidal energy", "haiku poetry", "chess openings", "glaciers",
];
const INSTRUCTIONS = [
  "Explain {s} to a ten year old.",
  "Write a short quiz with three questions about {s}.",
  "Summarise the key facts about {s} in five bullet points.",
  "Give two arguments for and two against studying {s}.",
  "Describe a common misconception about {s} and correct it.",
  "Write a haiku about {s}.",
  "List five terms related to {s} with definitions.",
  "Compare {s} with a related topic of your choice.",
  "Create a lesson plan outline about {s}.",
  "What are the open research questions about {s}?",
];

export function sweepPrompts(n: number, offset = 0): string[] {
  const out: string[] = [];
  for (let i = offset; out.length < n; i++) {
    const s = SUBJECTS[i % SUBJECTS.length]!;
    const t = INSTRUCTIONS[Math.floor(i / SUBJECTS.length) % INSTRUCTIONS.length]!;
    const round = Math.floor(i / (SUBJECTS.length * INSTRUCTIONS.length));
    out.push(t.replace("{s}", s) + (round ? ` (variant ${round})` : ""));
  }
  return out;
}

export function batchTexts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `Summarise the following text in one sentence:\n\nCustomer ticket ${i}: the ${SUBJECTS[i % SUBJECTS.length]} module fails when the user opens report number ${i * 7}.`);
}

export const FOLLOW_UPS = ["Can you make it shorter?", "Thanks! Can you give an example?", "Why is that?", "Please rewrite it more formally."];
