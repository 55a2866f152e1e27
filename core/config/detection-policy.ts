/**
 * The detection policy: every threshold that turns window figures into a score and a score into a
 * verdict (core/policy.ts, core/verdict.ts), set together through one versioned JSON var,
 * DETECTION_POLICY, instead of one var each. They are tuned together against the eval scenarios, so
 * an operator changes a preset, not fifteen knobs; an absent field keeps its default.
 *
 * Inside the guard the fields keep their historical names (config.NOVELTY_RATIO, ...): only the
 * way they are set changed. In the JSON they are camelCase (noveltyRatio), as the operator status
 * endpoint already reports them.
 */
import { checkNumber, ConfigError, int, num, type Spec, type SpecValue } from "./spec";

export const DETECTION_POLICY_VAR = "DETECTION_POLICY";
/** Bumped when a field's meaning changes, so a preset written for another meaning is refused. */
export const DETECTION_POLICY_VERSION = 2;

export const POLICY_SPEC = {
  THROTTLE_SCORE: num(1, "Extraction score at which a subject is throttled (429). Every piece of evidence weighs 0.5 or 1, so the default takes two.", 0),
  BLOCK_SCORE: num(2, "Extraction score at which a subject is blocked (403). Not below `throttleScore`.", 0),
  ESCALATE_AFTER: int(20, "Fresh requests (retries and repeats do not count) that still score as extraction during a throttle, or a run of throttles, before it becomes a block.", 1),
  MIN_REQUESTS: int(6, "Fresh requests in the window before a subject's pattern is judged (a heavy sweep is served at most this many minus one); each signal keeps its own minimum.", 1),
  NOVELTY_RATIO: num(0.85, "Distinct prompts over fresh requests at or above which a stream counts as novel (part of the gate every sweep signal sits behind).", 0, 1),
  SINGLE_SHOT_RATIO: num(0.7, "Share of fresh requests without a conversation the account built at or above which a stream counts as single-shot (part of the gate).", 0, 1),
  HARVEST_RATIO: num(0.5, "Share of fresh requests asking for logprobs or several choices (n > 1) that adds evidence. A large `max_tokens` is not evidence: SDKs send 32k–64k by default.", 0, 1),
  ELICIT_RATIO: num(0.5, "Share of fresh requests asking for a reasoning trace or rubric grading that adds evidence (at least 8 such; 80 % of at least 40 counts double).", 0, 1),
  TASK_RATIO: num(0.4, "Share of single-shot prompts phrased as dataset tasks (imperative task verb or task scaffolding) that adds evidence (at least 12 such; 40 or more count double).", 0, 1),
  TASK_TURN_RATIO: num(0.45, "Share of conversation turns phrased as dataset tasks that adds evidence (at least 12; 5 points more counts double): people follow up.", 0, 1),
  FABRICATED_RATIO: num(0.5, "Share of histories whose previous turn the account never sent that adds evidence (at least 5; 80 % of at least 13 counts double).", 0, 1),
  PACE_RATIO: num(0.5, "Share of fresh requests sent within `paceGapS` of the one before that adds evidence (80 % counts double).", 0, 1),
  PACE_GAP_S: num(10, "Seconds between fresh requests below which they count as machine-paced (a person reads an answer before the next question).", 0),
  SINGLES_BUDGET: int(100, "Novel single-shot prompts in the window that add evidence (three times it counts double): far above a person's questions, still only half a throttle.", 1),
  PADDING_RATIO: num(0.1, "Share of requests that re-send a prompt sent long before (not an immediate retry) that adds evidence, from 10 such spread over what was sent (people repeat a few).", 0, 1),
  DISTINCT_PROMPT_BUDGET: int(5000, "Distinct prompts an account may send per detection window before volume alone is evidence (a backstop; twice it is stronger evidence).", 1),
  TEMPLATE_REUSE: num(0.2, "Distinct templates over distinct prompts at or below which a stream is template-driven (a batch job with fewer than 5 templates, a grid sweep with more).", 0, 1),
  NETWORK_SPREAD: num(0.8, "Distinct client networks over fresh requests at or above which an account counts as rotating addresses.", 0, 1),
  FP_SINGLE_SHOT_RATIO: num(0.9, "A fingerprint is judged only when at least this share of its fresh requests are single-shot: crowds of people hold conversations.", 0, 1),
  FP_MIN_ACCOUNTS: int(4, "Accounts behind one fingerprint before the fingerprint's own pattern is judged. Sharing a client is never evidence by itself.", 2),
  FP_NEW_ACCOUNTS_PER_HOUR: num(6, "Distinct accounts within two hours behind one fingerprint that count as a burst of fresh keys (only on top of other evidence: a crowd grows too).", 0),
  FRAME_MIN_ACCOUNTS: int(
    5,
    "New accounts (few requests each) that must send distinct single-shot prompts in one instruction frame before the frame is judged a dataset swept across keys (throttle; twice as many block). The answer applies to new accounts only.",
    2,
  ),
  FRAME_MIN_WORDS: int(5, 'Unmasked words an instruction frame needs before it can be judged: short and empty frames ("can you help me …") are shared by people.', 1),
  FRAME_INPUT_WORDS: int(30, "Words a prompt needs before it counts as an instruction around an input for the frame signal; people's questions, politeness wrappers included, stay below it.", 1),
} as const;

export type PolicyKey = keyof typeof POLICY_SPEC;
export type DetectionPolicy = { -readonly [K in PolicyKey]: SpecValue<(typeof POLICY_SPEC)[K]> };

/** NOVELTY_RATIO -> noveltyRatio: the field's name in the JSON. */
export function policyField(key: PolicyKey): string {
  return key.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

const BY_FIELD = new Map<string, PolicyKey>((Object.keys(POLICY_SPEC) as PolicyKey[]).map((k) => [policyField(k), k]));
const FIELDS = ["version", ...BY_FIELD.keys()];
const EXAMPLE = `{"version":${DETECTION_POLICY_VERSION},"noveltyRatio":0.85}`;

export const DETECTION_POLICY_DOC =
  `The detection policy: one JSON object, e.g. \`${EXAMPLE}\`, with \`"version":${DETECTION_POLICY_VERSION}\` and any of the fields in the table below; ` +
  "an absent field keeps its default, an unset var keeps them all. In wrangler.toml: a string or a table (`[vars.DETECTION_POLICY]`); " +
  `on the command line: \`--var '${DETECTION_POLICY_VAR}:${EXAMPLE}'\`. ` +
  "An unknown field, a wrong type, a value out of range or another version stops the Worker at startup.";

export function defaultPolicy(): DetectionPolicy {
  return Object.fromEntries(Object.entries(POLICY_SPEC).map(([k, s]) => [k, s.default])) as DetectionPolicy;
}

function shown(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

/**
 * Parses the DETECTION_POLICY binding: a JSON string (as `--var` and miniflare bindings set it) or an
 * object (a wrangler.toml table). Unset or empty: every default. Throws ConfigError naming the field.
 */
export function parseDetectionPolicy(raw: unknown): DetectionPolicy {
  const name = DETECTION_POLICY_VAR;
  if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) return defaultPolicy();
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new ConfigError(`${name} must be a JSON object such as ${EXAMPLE}, got invalid JSON (${(e as Error).message})`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${name} must be a JSON object such as ${EXAMPLE}, got ${shown(value)}`);
  }
  const fields = value as Record<string, unknown>;
  for (const field of Object.keys(fields)) {
    if (!FIELDS.includes(field)) throw new ConfigError(`${name} has an unknown field ${JSON.stringify(field)}; its fields are ${FIELDS.join(", ")}`);
  }
  if (fields.version !== DETECTION_POLICY_VERSION) {
    throw new ConfigError(`${name}.version must be ${DETECTION_POLICY_VERSION}, got ${shown(fields.version)}`);
  }
  const policy = defaultPolicy() as Record<PolicyKey, number>;
  for (const [field, key] of BY_FIELD) {
    const v = fields[field];
    if (v === undefined) continue;
    const spec: Spec<unknown> = POLICY_SPEC[key];
    if (typeof v !== "number") throw new ConfigError(`${name}.${field} must be ${spec.kind === "int" ? "an integer" : "a number"}, got ${shown(v)}`);
    policy[key] = checkNumber(`${name}.${field}`, spec, v, shown(v));
  }
  if (policy.BLOCK_SCORE < policy.THROTTLE_SCORE) {
    throw new ConfigError(`${name}.blockScore must not be below throttleScore, got ${policy.BLOCK_SCORE} < ${policy.THROTTLE_SCORE}`);
  }
  return policy as DetectionPolicy;
}

/** The policy written as DETECTION_POLICY would carry it (for tests, tools and operators). */
export function policyJson(overrides: Partial<Record<string, number>> = {}): string {
  return JSON.stringify({ version: DETECTION_POLICY_VERSION, ...overrides });
}

/** Markdown table of the policy's fields for the README. */
export function policyTable(): string {
  const rows = ["| `DETECTION_POLICY` field | type | default | meaning |", "| --- | --- | --- | --- |"];
  rows.push(`| \`version\` | integer | required | Policy format version; only \`${DETECTION_POLICY_VERSION}\` is accepted. |`);
  for (const [key, s] of Object.entries(POLICY_SPEC) as [PolicyKey, Spec<number>][]) {
    const range = s.max !== undefined && s.max <= 1 ? `${s.kind === "int" ? "integer" : "number"} ${s.min}–${s.max}` : `${s.kind === "int" ? "integer" : "number"} ≥ ${s.min}`;
    rows.push(`| \`${policyField(key)}\` | ${range} | \`${s.default}\` | ${s.doc} |`);
  }
  return rows.join("\n");
}
