/**
 * Deterministic synthetic prompt streams for tests: a sweep over many instructions and subjects, a
 * chatty user, a batch job and an app. Real data lives in ../shared and is used by the eval tool.
 */
const SUBJECTS = [
  "photosynthesis",
  "the French revolution",
  "binary search trees",
  "volcanoes",
  "jazz harmony",
  "supply and demand",
  "the immune system",
  "black holes",
  "medieval castles",
  "climate models",
  "sourdough baking",
  "tax law",
  "the Roman senate",
  "neural networks",
  "coral reefs",
  "opera history",
  "plate tectonics",
  "cryptography",
  "marathon training",
  "impressionist painting",
  "quantum tunnelling",
  "urban planning",
  "beekeeping",
  "game theory",
  "the Silk Road",
  "protein folding",
  "tidal energy",
  "haiku poetry",
  "chess openings",
  "glaciers",
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
  return Array.from(
    { length: n },
    (_, i) => `Summarise the following text in one sentence:\n\nCustomer ticket ${i}: the ${SUBJECTS[i % SUBJECTS.length]} module fails when the user opens report number ${i * 7}.`,
  );
}

export const FOLLOW_UPS = ["Can you make it shorter?", "Thanks! Can you give an example?", "Why is that?", "Please rewrite it more formally."];

/** Everyday single-shot questions people ask, as they type them: no template, no task scaffolding. */
export const EVERYDAY = [
  "How long should I boil an egg for a runny yolk?",
  "Why is the sky blue?",
  "what's the capital of australia",
  "How many cups are in a quart?",
  "Is it safe to eat raw cookie dough?",
  "why do cats purr",
  "How do I get rid of fruit flies in my kitchen?",
  "What time zone is Chicago in?",
  "How much water should I drink a day?",
  "what does FOMO mean",
  "Can dogs eat grapes?",
  "How do you say thank you in Korean?",
  "Why does my knee click when I squat?",
  "how far is the moon from earth",
  "What's the difference between baking soda and baking powder?",
  "How do I unclog a drain without chemicals?",
  "Is coffee bad for you?",
  "who painted the mona lisa",
  "How often should I water a snake plant?",
  "What causes hiccups?",
  "How do I remove a red wine stain?",
  "what is the tallest mountain in africa",
  "How long does it take to walk a mile?",
  "Why do onions make you cry?",
  "How can I fall asleep faster?",
  "What is a good tip at a restaurant in the US?",
  "how many bones are in the human body",
  "Do I need a visa to visit Japan from Canada?",
  "Why is my sourdough so dense?",
  "How do I reset my router?",
  "what's the best way to store fresh basil",
  "How many calories are in a banana?",
  "Why do we have leap years?",
  "How do I convert Celsius to Fahrenheit in my head?",
  "Is it cheaper to rent or buy a car?",
  "what does an HVAC filter do",
  "How long do eggs last in the fridge?",
  "Why does the moon change shape?",
  "How do I get my toddler to eat vegetables?",
  "What's the fastest land animal?",
  "how do noise cancelling headphones work",
  "Should I stretch before or after running?",
  "How do I know if my avocado is ripe?",
  "why is the ocean salty",
  "What is the speed of sound?",
  "How do I politely decline a wedding invitation?",
  "when is the best time to see the northern lights",
];

/** A hydra's request body: one short system wrapper around a sweep prompt, asking for logprobs. */
export function hydraBody(prompt: string) {
  return {
    model: "m",
    logprobs: true,
    max_tokens: 4096,
    messages: [
      { role: "system", content: "Answer fully." },
      { role: "user", content: prompt },
    ],
  };
}
