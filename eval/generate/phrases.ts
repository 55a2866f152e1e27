/**
 * Fixed texts of the generated traffic: follow-up turns, system prompts, app personas, batch
 * templates, and the wrappers a paraphrasing campaign hides dataset prompts in. They differ from the
 * dev scenario's on purpose, so a detector cannot key on them.
 */

export const FOLLOW_UPS: readonly string[] = [
  "Can you shorten that a bit?",
  "Explain the first part again, more slowly.",
  "What would change if I had twice the budget?",
  "Give me an example I could use tomorrow.",
  "Put it in a table, please.",
  "Now in bullet points.",
  "ok and how do I do that in Excel?",
  "Could you make it sound less formal?",
  "Any risks I should know about?",
  "Can you cite where that comes from?",
  "Which of these would you pick, and why?",
  "Rewrite it for a 10-year-old.",
  "Translate it into German.",
  "thanks! one more thing: how long would it take?",
  "Hmm, I don't think that's right. Can you double-check?",
  "Keep going.",
  "go on",
  "And for a team of five?",
  "What's the most common mistake people make here?",
  "Can you turn that into an email to my manager?",
  "Add a short summary at the top.",
  "Make it rhyme.",
  "Could you write the code in TypeScript?",
  "What are the alternatives?",
  "Give me three title ideas for this.",
  "Please fix the typos in your answer.",
  "What questions should I ask before deciding?",
  "Shorter. Two sentences.",
  "ELI5?",
  "Can you make a checklist out of it?",
  "Same thing but for beginners.",
  "why though?",
  "Is that still true in 2025?",
  "Split it into steps with time estimates.",
  "Great. Now a version for LinkedIn.",
];

export const USER_SYSTEM_PROMPTS: readonly string[] = [
  "You are a concise assistant.",
  "Answer briefly and clearly.",
  "You are a patient teacher. Use simple examples.",
  "You are an experienced programmer. Prefer working code.",
  "Reply in the language of the user.",
  "Be direct. No filler.",
];

export interface AppPersona {
  system: string;
  family: "openai" | "anthropic";
  /** passes an end-user id in the request (`user` or `metadata.user_id`) */
  passesUser: boolean;
}

export const APP_PERSONAS: readonly AppPersona[] = [
  {
    system: "You are Sage, the cooking assistant in the CookBook+ app. Suggest recipes, substitutions and timings. Keep answers practical and friendly.",
    family: "openai",
    passesUser: true,
  },
  {
    system: "You are Wanda, the travel concierge of Wanderly. Help travellers plan trips, compare options and pack. Never book anything yourself.",
    family: "anthropic",
    passesUser: true,
  },
  {
    system: "You are the assistant inside Notably, a note-taking app. Help users summarise, rewrite and organise their notes. Answer in Markdown.",
    family: "openai",
    passesUser: false,
  },
  {
    system: "You are LexiLearn, a language tutor. Correct mistakes gently, explain grammar, and offer one practice exercise per answer.",
    family: "openai",
    passesUser: true,
  },
  {
    system: "You are the help assistant of Ledgerly accounting software. Answer general bookkeeping and product questions; never give tax advice for a specific case.",
    family: "anthropic",
    passesUser: false,
  },
  {
    system: "You are Pixel, the assistant of the DevBoard developer portal. Explain APIs, debug snippets and suggest fixes with short code samples.",
    family: "openai",
    passesUser: false,
  },
];

export interface BatchTemplate {
  instruction: (text: string) => string;
  system?: string;
  maxTokens: number;
}

export const BATCH_TEMPLATES: readonly BatchTemplate[] = [
  { instruction: (t) => `Extract every action item from the message below as a numbered list.\n\nMessage:\n${t}`, maxTokens: 512 },
  { instruction: (t) => `Translate the following text into French. Preserve line breaks.\n\n${t}`, system: "You translate faithfully and never add commentary.", maxTokens: 2048 },
  { instruction: (t) => `Write a one-sentence TL;DR of the text below.\n\n${t}`, maxTokens: 128 },
  {
    instruction: (t) => `Classify this support request into exactly one of: billing, technical, account, feedback, other. Answer with the label only.\n\nRequest: ${t}`,
    maxTokens: 8,
  },
  { instruction: (t) => `Suggest five SEO keywords for the following content, comma-separated.\n\n${t}`, maxTokens: 64 },
  { instruction: (t) => `Correct the grammar and spelling of the text below. Return only the corrected text.\n\n${t}`, system: "You are a copy editor.", maxTokens: 2048 },
  { instruction: (t) => `Detect the language of the following text and answer with its ISO 639-1 code only.\n\n${t}`, maxTokens: 4 },
  { instruction: (t) => `Rate how urgent this message is from 1 (not urgent) to 5 (critical). Answer with the number only.\n\n${t}`, maxTokens: 4 },
];

/** Power users' topics: a topic's prompts are the benign prompts mentioning one of its words. */
export const TOPICS: readonly (readonly string[])[] = [
  ["python", "pandas", "django", "flask"],
  ["javascript", "react", "typescript", "node.js"],
  ["sql", "database", "query", "postgres"],
  ["marketing", "seo", "brand", "instagram"],
  ["story", "poem", "novel", "character"],
  ["resume", "cover letter", "interview", "linkedin"],
  ["business plan", "startup", "investor", "revenue"],
  ["email"],
  ["workout", "diet", "fitness", "nutrition"],
  ["lesson", "students", "teacher", "curriculum"],
];

/** How a power user varies a prompt it sends again. */
export const VARIATIONS: readonly ((text: string) => string)[] = [
  (t) => `${t} Again, but in more detail.`,
  (t) => `${t}\n\nKeep it short.`,
  (t) => `Please help: ${t}`,
  (t) => `${t} Use bullet points.`,
  (t) => `${t} (answer in Spanish)`,
  (t) => t.charAt(0).toLowerCase() + t.slice(1),
  (t) => `${t.trimEnd().replace(/[.?!]$/, "")}??`,
];

/** The wrappers of the paraphrase campaign: the same dataset prompt never reads the same twice. */
export const PARAPHRASE_OPENERS: readonly string[] = [
  "I need some help with the following.",
  "Quick task for you:",
  "Here's something I'm working on.",
  "My teacher gave us this and I'm stuck:",
  "Could you handle this one?",
  "Task:",
  "Please respond to the following request.",
  "Hey! Can you do this for me?",
  "For a project I'm doing, I need an answer to this:",
  "Let's try this one.",
  "Consider the following carefully.",
  "Input:",
  "Help me out with this, thanks in advance.",
  "So here's the thing:",
  "Can you take a look at this?",
  "I was wondering about this:",
];

export const PARAPHRASE_CLOSERS: readonly string[] = [
  "",
  "Thanks!",
  "Be thorough.",
  "Explain your reasoning.",
  "Answer as completely as you can.",
  "Please be accurate.",
  "Take your time.",
  "Give the best answer you can.",
  "No need to be brief.",
  "I appreciate it.",
];

/** The fixed system prompts campaigns send (each campaign keeps one). */
export const CAMPAIGN_SYSTEM_PROMPTS: readonly string[] = [
  "You are a meticulous assistant. Provide a complete, correct and well-organised answer to every task.",
  "Answer the user's task fully. Think step by step, then state the final answer clearly.",
  "You are an expert tutor. Give a detailed, accurate, high-quality answer.",
  "Complete the task below. Do not refuse, do not ask questions, and do not shorten the answer.",
];
