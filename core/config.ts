/**
 * Every tunable of the guard: one table that parses `wrangler.toml` vars, gives defaults and
 * documents them (the README's configuration table is printed from it by `npm run config:doc`).
 * Parsing happens once per isolate; a bad value is a startup error naming the var, never a silent
 * default.
 */

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Kind = "int" | "number" | "bool" | "string" | "enum";

interface Spec<T> {
  kind: Kind;
  default: T;
  doc: string;
  min?: number;
  max?: number;
  values?: readonly string[];
  secret?: boolean;
}

const int = (def: number, doc: string, min = 0, max = Number.MAX_SAFE_INTEGER): Spec<number> => ({ kind: "int", default: def, doc, min, max });
const num = (def: number, doc: string, min = 0, max = Number.MAX_VALUE): Spec<number> => ({ kind: "number", default: def, doc, min, max });
const bool = (def: boolean, doc: string): Spec<boolean> => ({ kind: "bool", default: def, doc });
const str = (def: string, doc: string, secret = false): Spec<string> => ({ kind: "string", default: def, doc, secret });
const oneOf = <V extends string>(values: readonly V[], def: V, doc: string): Spec<V> => ({ kind: "enum", default: def, doc, values });

export const CONFIG_SPEC = {
  UPSTREAM_URL: str("", "Where allowed traffic is forwarded (origin and optional base path). Unset: the built-in mock upstream answers."),
  GUARD_SECRET: str("", "Secret key for hashing API keys, prompts and fingerprints (`wrangler secret put GUARD_SECRET`). Unset: a development default with a warning; a startup error when `GUARD_ENV` is `production`.", true),
  ADMIN_TOKEN: str("", "Bearer token of the operator API and dashboard (`wrangler secret put ADMIN_TOKEN`). Unset: those endpoints answer 404.", true),
  GUARD_MODE: oneOf(["enforce", "shadow"] as const, "enforce", "`shadow` records what extraction verdicts would do but never throttles or blocks for extraction; classic limits still apply."),
  GUARD_TEST_MODE: bool(false, "`true` honours the `x-guard-test-*` request headers and adds `x-guard-debug` to answers. Never in production: refused at startup when `GUARD_ENV` is `production`."),
  GUARD_ENV: oneOf(["development", "production"] as const, "development", "Production marker. `production` requires `GUARD_SECRET` and forbids test mode."),
  CLIENT_IP_HEADER: str("cf-connecting-ip", "Header that carries the trusted client address. Set it to your proxy's header when the guard is not behind Cloudflare's edge; empty: addresses are not used."),
  MAX_BODY_BYTES: int(2 * 1024 * 1024, "Largest request body inspected; larger bodies answer 413.", 1024),
  FAIL_MODE: oneOf(["open", "closed"] as const, "open", "When the account's Durable Object call fails, times out or is overloaded on an inspected path: `open` serves the request, `closed` answers 429 with `Retry-After: 1`; both log `state_unavailable`. A failing fingerprint object is skipped (logged): the account decides."),
  FAIL_MODE_OTHER: oneOf(["open", "closed"] as const, "open", "Same choice for other (pass-through) paths."),
  STATE_TIMEOUT_MS: int(2000, "How long the Worker waits for a Durable Object verdict before applying FAIL_MODE.", 10),
  UPSTREAM_TIMEOUT_MS: int(120000, "How long the Worker waits for the upstream's response headers before answering 504.", 100),
  SPECULATIVE_UPSTREAM: bool(true, "`true` sends an inspected request upstream while the Durable Objects decide and releases the answer only once the verdict allows it, so their round trip hides behind the upstream's latency; a refused request's upstream call is aborted before anything reaches the client. Trade-off: refused requests reach the upstream (an account just refused is not sent early again until its Retry-After passes). `false` forwards only after the verdict. No effect on the built-in mock."),

  RATE_LIMIT_REQUESTS: int(600, "Classic limit: requests per account per RATE_LIMIT_PERIOD_S (GCRA, burst up to the full quota).", 1),
  RATE_LIMIT_PERIOD_S: int(60, "Period of the request limit, seconds.", 1),
  TOKEN_LIMIT: int(2_000_000, "Classic limit: estimated prompt tokens per account per TOKEN_LIMIT_PERIOD_S.", 1),
  TOKEN_LIMIT_PERIOD_S: int(60, "Period of the prompt-token limit, seconds.", 1),

  DETECTION_WINDOW_S: int(48 * 3600, "Detection window: sketches cover the current epoch and the ones before it back to this age (epochs are a quarter of it).", 3600),
  FINGERPRINT_WINDOW_S: int(7 * 24 * 3600, "Detection window of fingerprints (cross-account campaigns are slow), epochs a quarter of it.", 3600),
  THROTTLE_S: int(15 * 60, "How long an extraction throttle lasts once the score passes THROTTLE_SCORE.", 1),
  BLOCK_S: int(7 * 24 * 3600, "How long a first extraction block lasts (each repeat block lasts 4× longer, up to 64×); 0 blocks until an operator lifts it.", 0),
  THROTTLE_SCORE: num(1, "Extraction score at which a subject is throttled (429).", 0),
  BLOCK_SCORE: num(2, "Extraction score at which a subject is blocked (403).", 0),
  ESCALATE_AFTER: int(20, "Requests that still score as extraction during a throttle (or a run of throttles) before it becomes a block.", 1),
  MIN_REQUESTS: int(13, "Requests in the window before a subject's coverage pattern is judged (a heavy sweep is served at most this many minus one).", 1),
  NOVELTY_RATIO: num(0.85, "Distinct prompts over requests at or above which a stream counts as novel (sweeps never repeat; people do).", 0, 1),
  SINGLE_SHOT_RATIO: num(0.7, "Share of requests without conversation history at or above which a stream counts as single-shot.", 0, 1),
  HARVEST_RATIO: num(0.5, "Share of requests with output-harvesting parameters (logprobs, n > 1, max tokens ≥ 4096) that adds evidence.", 0, 1),
  NOVEL_SINGLES: int(15, "Distinct single-shot prompts in the window that add evidence when they also share no phrasing (see SHINGLE_NOVELTY).", 1),
  SHINGLE_NOVELTY: num(0.9, "Distinct sampled word-3-grams over those sent, at or above which an account's prompts have no near-duplicates (people's variations and retries fall below).", 0, 1),
  DISTINCT_PROMPT_BUDGET: int(5000, "Distinct prompts an account may send per detection window before volume alone is evidence (a backstop).", 1),
  TEMPLATE_REUSE: num(0.2, "Distinct templates over distinct prompts at or below which a stream is template-driven (a batch job with ≤ 2 templates, a grid sweep with more).", 0, 1),
  NETWORK_SPREAD: num(0.8, "Distinct client networks over requests at or above which an account counts as rotating addresses.", 0, 1),
  FP_SINGLE_SHOT_RATIO: num(0.9, "A fingerprint is judged only when at least this share of its requests are single-shot: crowds of people hold conversations.", 0, 1),
  FP_MIN_ACCOUNTS: int(4, "Accounts behind one fingerprint before the fingerprint's own pattern is judged.", 2),
  FP_NEW_ACCOUNTS_PER_HOUR: num(6, "Distinct accounts within two hours behind one fingerprint that count as a burst of fresh keys.", 0),
  FP_SHARDS: int(4, "Shards per fingerprint object: a hot fingerprint is spread over this many objects and merged on read.", 1, 64),
  FLUSH_INTERVAL_MS: int(1000, "Durable Object state is written at most this often (coalesced, on an alarm); a crash can lose at most this much.", 50),
  AUDIT_RETENTION_DAYS: int(90, "Days an audit entry is kept; a daily alarm deletes older ones (in test mode, age counts from the newest entry).", 1),
} as const;

type SpecValue<S> = S extends Spec<infer T> ? T : never;
export type Config = { -readonly [K in keyof typeof CONFIG_SPEC]: SpecValue<(typeof CONFIG_SPEC)[K]> };
export type ConfigKey = keyof typeof CONFIG_SPEC;

/** The development secret used when GUARD_SECRET is unset outside production. */
export const DEVELOPMENT_SECRET = "distill-guard-development-secret";

function parseOne(name: string, spec: Spec<unknown>, raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === "") return spec.default;
  const text = String(raw).trim();
  switch (spec.kind) {
    case "string":
      return text;
    case "bool":
      if (text === "true") return true;
      if (text === "false") return false;
      throw new ConfigError(`${name} must be "true" or "false", got ${JSON.stringify(text)}`);
    case "enum":
      if (spec.values!.includes(text)) return text;
      throw new ConfigError(`${name} must be one of ${spec.values!.join(", ")}, got ${JSON.stringify(text)}`);
    case "int":
    case "number": {
      const n = Number(text);
      if (!Number.isFinite(n) || (spec.kind === "int" && !Number.isSafeInteger(n))) {
        throw new ConfigError(`${name} must be ${spec.kind === "int" ? "an integer" : "a number"}, got ${JSON.stringify(text)}`);
      }
      if (n < spec.min! || n > spec.max!) throw new ConfigError(`${name} must be between ${spec.min} and ${spec.max}, got ${n}`);
      return n;
    }
  }
}

/** Parses and validates the bindings; throws ConfigError naming the first bad var. */
export function parseConfig(env: Record<string, unknown>): Config {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(CONFIG_SPEC)) out[name] = parseOne(name, spec as Spec<unknown>, env[name]);
  const config = out as Config;
  if (config.GUARD_ENV === "production") {
    if (!config.GUARD_SECRET) throw new ConfigError("GUARD_SECRET must be set when GUARD_ENV is production (wrangler secret put GUARD_SECRET)");
    if (config.GUARD_TEST_MODE) throw new ConfigError("GUARD_TEST_MODE must not be true when GUARD_ENV is production");
  }
  if (config.BLOCK_SCORE < config.THROTTLE_SCORE) throw new ConfigError("BLOCK_SCORE must not be below THROTTLE_SCORE");
  if (config.UPSTREAM_URL) {
    try {
      const u = new URL(config.UPSTREAM_URL);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    } catch {
      throw new ConfigError(`UPSTREAM_URL must be an http(s) URL, got ${JSON.stringify(config.UPSTREAM_URL)}`);
    }
  }
  return config;
}

/** The secret to hash with, and whether it is the development default. */
export function hashSecret(config: Config): { secret: string; isDefault: boolean } {
  return config.GUARD_SECRET ? { secret: config.GUARD_SECRET, isDefault: false } : { secret: DEVELOPMENT_SECRET, isDefault: true };
}

/** Markdown rows for the README's configuration table. */
export function configTable(): string {
  const rows = ["| binding | kind | default | meaning |", "| --- | --- | --- | --- |"];
  for (const [name, s] of Object.entries(CONFIG_SPEC) as [string, Spec<unknown>][]) {
    const kind = s.secret ? "secret" : "var";
    const def = s.default === "" ? "unset" : `\`${String(s.default)}\``;
    rows.push(`| \`${name}\` | ${kind} | ${def} | ${s.doc} |`);
  }
  return rows.join("\n");
}

const parsed = new WeakMap<object, Config>();

/** Parses once per bindings object (once per isolate in Workers). */
export function configFor(env: object): Config {
  let config = parsed.get(env);
  if (!config) {
    config = parseConfig(env as Record<string, unknown>);
    parsed.set(env, config);
  }
  return config;
}
