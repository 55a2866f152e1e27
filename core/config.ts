/**
 * Every tunable of the guard, in two parts an operator can hold in their head: plain vars for how
 * the guard runs (CONFIG_SPEC: upstream, secrets, modes, classic limits, windows, durations,
 * storage) and one versioned JSON preset, DETECTION_POLICY, for the thresholds that decide what is
 * extraction (config/detection-policy.ts). Both parse `wrangler.toml` vars, give defaults and
 * document them (the README's configuration tables are printed from them by `npm run config:doc`).
 * Parsing happens once per isolate; a bad value is a startup error naming the var or field, never a
 * silent default.
 */
import {
  DETECTION_POLICY_DOC,
  DETECTION_POLICY_VAR,
  DETECTION_POLICY_VERSION,
  parseDetectionPolicy,
  policyField,
  policyTable,
  POLICY_SPEC,
  type DetectionPolicy,
  type PolicyKey,
} from "./config/detection-policy";
import { parseMeasures, type Measures } from "./graduated";
import { SIGNALS } from "./policy";
import { bool, checkNumber, ConfigError, int, num, oneOf, shownDefault, str, type Spec, type SpecValue } from "./config/spec";

export { ConfigError } from "./config/spec";
export { DETECTION_POLICY_VAR, DETECTION_POLICY_VERSION, POLICY_SPEC, parseDetectionPolicy, policyField, policyJson, type DetectionPolicy, type PolicyKey } from "./config/detection-policy";

/** The plain vars: where traffic goes, secrets, modes, limits, windows and how state is kept. */
export const CONFIG_SPEC = {
  UPSTREAM_URL: str("", "Where allowed traffic is forwarded (origin and optional base path). Unset: the built-in mock upstream answers; a startup error when `GUARD_ENV` is `production`."),
  GUARD_SECRET: str(
    "",
    "Secret key for hashing API keys, prompts and fingerprints (`wrangler secret put GUARD_SECRET`). Unset: a development default with a warning; a startup error when `GUARD_ENV` is `production`.",
    true,
  ),
  ADMIN_TOKEN: str("", "Bearer token of the operator API and dashboard (`wrangler secret put ADMIN_TOKEN`). Unset: those endpoints answer 404.", true),
  GUARD_MODE: oneOf(["enforce", "shadow"] as const, "enforce", "`shadow` records what extraction verdicts would do but never throttles or blocks for extraction; classic limits still apply."),
  GUARD_TEST_MODE: bool(false, "`true` honours the `x-guard-test-*` request headers and adds `x-guard-debug` to answers. Never in production: refused at startup when `GUARD_ENV` is `production`."),
  GUARD_ENV: oneOf(["development", "production"] as const, "development", "Production marker. `production` requires `GUARD_SECRET` and `UPSTREAM_URL` and forbids test mode."),
  CLIENT_IP_HEADER: str(
    "cf-connecting-ip",
    "Header that carries the trusted client address. Set it to your proxy's header when the guard is not behind Cloudflare's edge; empty: addresses are not used.",
  ),
  MAX_BODY_BYTES: int(2 * 1024 * 1024, "Largest request body inspected; larger bodies answer 413.", 1024),
  FAIL_MODE: oneOf(
    ["open", "closed"] as const,
    "open",
    "When the account's Durable Object call fails, times out or is overloaded on an inspected path: `open` serves the request, `closed` answers 429 with `Retry-After: 1`; both log `state_unavailable`. A failing fingerprint object is skipped (logged): the account decides.",
  ),
  FAIL_MODE_OTHER: oneOf(["open", "closed"] as const, "open", "Same choice for other (pass-through) paths."),
  STATE_TIMEOUT_MS: int(2000, "How long the Worker waits for a Durable Object verdict before applying FAIL_MODE.", 10),
  UPSTREAM_TIMEOUT_MS: int(120000, "How long the Worker waits for the upstream's response headers before answering 504.", 100),
  SPECULATIVE_UPSTREAM: bool(
    true,
    "`true` sends an inspected request upstream while the Durable Objects decide and releases the answer only once the verdict allows it, so their round trip hides behind the upstream's latency; a refused request's upstream call is aborted before anything reaches the client. Trade-off: refused requests reach the upstream (an account just refused is not sent early again until its Retry-After passes). `false` forwards only after the verdict. No effect on the built-in mock.",
  ),

  RATE_LIMIT_REQUESTS: int(600, "Classic limit: requests per account per RATE_LIMIT_PERIOD_S (GCRA, burst up to the full quota).", 1),
  RATE_LIMIT_PERIOD_S: int(60, "Period of the request limit, seconds.", 1),
  TOKEN_LIMIT: int(
    2_000_000,
    "Classic limit: tokens per account per TOKEN_LIMIT_PERIOD_S: estimated prompt tokens, charged when the request is admitted, plus the completion tokens the upstream reports in `usage`, charged once the answer has passed. A request is admitted while its prompt fits what is left, whatever its `max_tokens` (docs/limits.md).",
    1,
  ),
  TOKEN_LIMIT_PERIOD_S: int(60, "Period of the token limit, seconds.", 1),
  END_USER_REQUEST_SHARE: num(
    0,
    "Share of an account's request quota that one end user may use, for apps that name their end users (`safety_identifier` or `user` on OpenAI paths, `metadata.user_id` on Anthropic's); 0 turns it off. Requests without an end-user id are not limited by it.",
    0,
    1,
  ),
  END_USER_TOKEN_SHARE: num(0, "Share of an account's token quota (TOKEN_LIMIT) that one end user may use, as END_USER_REQUEST_SHARE; 0 turns it off.", 0, 1),

  DETECTION_WINDOW_S: int(48 * 3600, "Detection window: sketches cover the current epoch and the ones before it back to this age (epochs are a quarter of it).", 3600),
  FINGERPRINT_WINDOW_S: int(7 * 24 * 3600, "Detection window of fingerprints (cross-account campaigns are slow), epochs a quarter of it.", 3600),
  THROTTLE_S: int(15 * 60, "How long an extraction throttle lasts once the score reaches the policy's `throttleScore`.", 1),
  BLOCK_S: int(7 * 24 * 3600, "How long a first extraction block lasts (each repeat block lasts 4× longer, up to 64×); 0 blocks until an operator lifts it.", 0),
  FP_SHARDS: int(4, "Shards per fingerprint object: a hot fingerprint is spread over this many objects and merged on read.", 1, 64),
  FLUSH_INTERVAL_MS: int(1000, "Durable Object state is written at most this often (coalesced, on an alarm); a crash can lose at most this much.", 50),
  FP_VERDICT_TTL_S: int(
    60,
    "How long (request time) an isolate answers from a fingerprint verdict it learnt, while the request's observation goes to the fingerprint after the answer; a fingerprint it has no fresh verdict for is asked in parallel with the account.",
    0,
  ),
  SHADOW_SIGNALS: str(
    "",
    "Comma-separated detection signals to run in shadow: their evidence is computed and shown to operators (marked `(shadow)`) but adds nothing to the score. Names: " +
      "harvest, templateGrid, batchJob, elicitation, taskStyle, fabricatedHistory, singleShotVolume, padding, machinePace, addressRotation, endUserIds, sharedNetwork, accountBurst, promptBudget.",
  ),
  SUSPECT_SCORE: num(
    0.5,
    "Extraction score at or above which a subject not yet throttled is suspect and gets the graduated answer (SUSPECT_RESPONSE) instead of a refusal; 0 turns it off. Each piece of evidence weighs 0.5, so the default is one.",
    0,
  ),
  SUSPECT_RESPONSE: str(
    "cap_max_tokens:8192,strip_logprobs,strip_reasoning",
    "What a suspect's request is served with, comma-separated: `cap_max_tokens:N`, `strip_logprobs`, `strip_reasoning`, or `none`. The answer says nothing of it, so a campaign cannot tell which keys are suspected. Not applied in shadow mode.",
  ),
  REGISTRY_SHARDS: int(
    4,
    "Objects the flagged-subject registry and the audit log are each spread over (by subject); operator reads fan out to all and merge. Recorded on first use: a later change is refused and logged (`storage_layout_changed`).",
    1,
    64,
  ),
  AUDIT_RETENTION_DAYS: int(90, "Days an audit entry is kept; a daily alarm deletes older ones (in test mode, age counts from the newest entry).", 1),
  STIX_ADDRESS_PREFIX_V4: int(24, "Prefix length of the IPv4 address ranges a campaign's STIX export shares (the guard keeps /24, so at most 24); 0 shares no IPv4 ranges.", 0, 24),
  STIX_ADDRESS_PREFIX_V6: int(48, "Prefix length of the IPv6 address ranges a campaign's STIX export shares (the guard keeps /48, so at most 48); 0 shares no IPv6 ranges.", 0, 48),
  EVIDENCE_SIGNING_KEY: str(
    "",
    "Ed25519 private key that signs campaign evidence reports: PKCS#8 PEM (`openssl genpkey -algorithm ed25519`), its base64 body, or a JWK (`wrangler secret put EVIDENCE_SIGNING_KEY`). Unset: reports are served unsigned and say so.",
    true,
  ),
} as const;

type VarConfig = { -readonly [K in keyof typeof CONFIG_SPEC]: SpecValue<(typeof CONFIG_SPEC)[K]> };
/** What the guard reads: the plain vars and the policy's thresholds, side by side under their var-style names. */
export type Config = VarConfig & DetectionPolicy & { SHADOW_SIGNAL_SET: ReadonlySet<string>; SUSPECT_MEASURES: Measures };
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
    case "number":
      return checkNumber(name, spec, Number(text), JSON.stringify(text));
  }
}

/**
 * The thresholds were vars of their own before DETECTION_POLICY. Setting one now would change
 * nothing, so it stops the Worker with the field to use instead of being silently ignored.
 */
function refuseRetiredVars(env: Record<string, unknown>): void {
  for (const key of Object.keys(POLICY_SPEC) as PolicyKey[]) {
    const raw = env[key];
    if (raw === undefined || raw === null || raw === "") continue;
    const field = policyField(key);
    throw new ConfigError(
      `${key} is no longer a var of its own: set the field ${JSON.stringify(field)} of ${DETECTION_POLICY_VAR} instead, e.g. ${DETECTION_POLICY_VAR}={"version":${DETECTION_POLICY_VERSION},${JSON.stringify(field)}:${String(raw).trim()}}`,
    );
  }
}

function shadowSignals(raw: string): ReadonlySet<string> {
  const names = raw
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
  for (const n of names) {
    if (!(SIGNALS as readonly string[]).includes(n)) throw new ConfigError(`SHADOW_SIGNALS names an unknown signal ${JSON.stringify(n)}; known: ${SIGNALS.join(", ")}`);
  }
  return new Set(names);
}

/** Parses and validates the bindings; throws ConfigError naming the first bad var or policy field. */
export function parseConfig(env: Record<string, unknown>): Config {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(CONFIG_SPEC)) out[name] = parseOne(name, spec as Spec<unknown>, env[name]);
  refuseRetiredVars(env);
  const config = {
    ...(out as VarConfig),
    ...parseDetectionPolicy(env[DETECTION_POLICY_VAR]),
    SHADOW_SIGNAL_SET: shadowSignals(String(out.SHADOW_SIGNALS ?? "")),
    SUSPECT_MEASURES: parseMeasures(String(out.SUSPECT_RESPONSE ?? "")),
  };
  if (config.GUARD_ENV === "production") {
    if (!config.GUARD_SECRET) throw new ConfigError("GUARD_SECRET must be set when GUARD_ENV is production (wrangler secret put GUARD_SECRET)");
    if (config.GUARD_TEST_MODE) throw new ConfigError("GUARD_TEST_MODE must not be true when GUARD_ENV is production");
    // The mock's canned answers would reach real clients as if the model had written them.
    if (!config.UPSTREAM_URL) throw new ConfigError("UPSTREAM_URL must be set when GUARD_ENV is production (the built-in mock upstream never answers in production)");
  }
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

/** Markdown for the README's configuration section: the plain vars, then the policy's fields. */
export function configTable(): string {
  const rows = ["| binding | kind | default | meaning |", "| --- | --- | --- | --- |"];
  for (const [name, s] of Object.entries(CONFIG_SPEC) as [string, Spec<unknown>][]) {
    rows.push(`| \`${name}\` | ${s.secret ? "secret" : "var"} | ${shownDefault(s)} | ${s.doc} |`);
  }
  rows.push(`| \`${DETECTION_POLICY_VAR}\` | var (JSON) | unset | ${DETECTION_POLICY_DOC} |`);
  return `${rows.join("\n")}\n\n${policyTable()}`;
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
