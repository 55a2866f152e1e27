/**
 * Who is calling: the account (keyed hash of the API key), the client address prefix, the test-mode
 * overrides, and the client fingerprints built from them. Absent parts are skipped, never an error.
 */
import { FINGERPRINT_PREFIX, type FingerprintClient } from "../durable-objects/protocol";
import type { Config } from "../core/config";
import { hash64Hex, hashString, hmacHex, type HashKey } from "../core/hash";
import type { ParsedRequest } from "../core/types";
import { GuardError } from "./errors";
/** max_tokens bucket edges of the request shape (the shape, not evidence: SDKs default to large values). */
const XL_MAX_TOKENS = 4096;

const MAX_KEY_LENGTH = 512;
// Printable ASCII without spaces: every real key scheme fits, and it keeps logs and hashes sane.
const KEY_SHAPE = /^[\x21-\x7e]+$/;

/** The API key from `Authorization: Bearer KEY` or `x-api-key`, or a 401. */
export function apiKeyFrom(headers: Headers): string {
  const auth = headers.get("authorization");
  let key: string | null = null;
  if (auth !== null) {
    const m = /^Bearer[ \t]+(.*)$/i.exec(auth.trim());
    if (!m) throw GuardError.unauthorized("invalid_api_key");
    key = m[1]!.trim();
  } else {
    key = headers.get("x-api-key");
    if (key !== null) key = key.trim();
  }
  if (key === null || key === "") throw GuardError.unauthorized("missing_api_key");
  if (key.length > MAX_KEY_LENGTH || !KEY_SHAPE.test(key)) throw GuardError.unauthorized("invalid_api_key");
  return key;
}

export function accountIdFor(secret: string, key: string): Promise<string> {
  return hmacHex(secret, `account:${key}`, 16);
}

/** IPv4 /24 or IPv6 /48, normalised; null for anything that does not parse. */
export function addressPrefix(ip: string | null): string | null {
  if (!ip) return null;
  ip = ip.trim();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const o = v4.slice(1).map(Number);
    return o.every((x) => x <= 255) ? `${o[0]}.${o[1]}.${o[2]}.0/24` : null;
  }
  if (!ip.includes(":") || !/^[0-9a-fA-F:.]+$/.test(ip)) return null;
  const halves = ip.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  if (tail.some((g) => g.includes("."))) tail.splice(tail.length - 1, 1, "0", "0");
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return `${groups
    .slice(0, 3)
    .map((g) => parseInt(g, 16).toString(16))
    .join(":")}::/48`;
}

export interface ClientFacts {
  /** Request time in ms: the test clock in test mode, else the wall clock. */
  now: number;
  ja4: string | null;
  asn: number | null;
  prefix: string | null;
  ua: string | null;
}

interface CfLike {
  asn?: unknown;
  botManagement?: { ja4?: unknown; ja3Hash?: unknown };
}

const TEST_TIME = /^\d{1,16}$/;

/** Facts about the client; test headers override the edge's only in test mode. */
export function clientFacts(request: Request, cfg: Config): ClientFacts {
  const cf = (request as { cf?: CfLike }).cf;
  const bm = cf?.botManagement;
  let ja4 = typeof bm?.ja4 === "string" && bm.ja4 ? bm.ja4 : typeof bm?.ja3Hash === "string" && bm.ja3Hash ? bm.ja3Hash : null;
  let asn = typeof cf?.asn === "number" ? cf.asn : null;
  let now = Date.now();
  if (cfg.GUARD_TEST_MODE) {
    const h = request.headers;
    const t = h.get("x-guard-test-time");
    if (t !== null) {
      const n = Number(t);
      if (!TEST_TIME.test(t.trim()) || !Number.isSafeInteger(n)) {
        throw GuardError.badRequest("invalid_test_header", "x-guard-test-time must be a non-negative integer of milliseconds since the Unix epoch.");
      }
      now = n;
    }
    const j = h.get("x-guard-test-ja4");
    if (j !== null) ja4 = j.trim() || null;
    const a = h.get("x-guard-test-asn");
    if (a !== null) {
      const n = Number(a);
      if (!/^\d{1,10}$/.test(a.trim()) || n > 0xffffffff) throw GuardError.badRequest("invalid_test_header", "x-guard-test-asn must be an autonomous system number.");
      asn = n;
    }
  }
  const ip = cfg.CLIENT_IP_HEADER ? request.headers.get(cfg.CLIENT_IP_HEADER) : null;
  // A proxy chain header may hold a list; the first entry is the client.
  const first = ip?.split(",")[0] ?? null;
  return { now, ja4, asn, prefix: addressPrefix(first), ua: request.headers.get("user-agent") };
}

export interface Fingerprint {
  /** `s…`: client stack and request shape; `n…`: client stack and network. */
  id: string;
  kind: "stack" | "network";
  /** The client facts hashed into the id (only those). */
  client: FingerprintClient;
}

// Fields that vary per request for one client, so they would split a client into many.
const VOLATILE_KEYS = new Set(["stream", "stream_options", "user", "metadata", "safety_identifier", "store", "seed"]);

function shapeOf(parsed: ParsedRequest, system: string): string {
  const keys = parsed.shapeKeys
    .split(",")
    .filter((k) => k && !VOLATILE_KEYS.has(k))
    .join(",");
  const p = parsed.params;
  const maxTokens = p.maxTokens === undefined ? "-" : p.maxTokens >= XL_MAX_TOKENS ? "xl" : p.maxTokens >= 1024 ? "l" : "s";
  const temperature = p.temperature === undefined ? "-" : p.temperature === 0 ? "0" : "t";
  return `${parsed.format}|${keys}|${maxTokens}|${temperature}|${p.logprobs ? "lp" : ""}|${p.n > 1 ? "n" : ""}|${system}`;
}

/**
 * Fingerprints at two granularities. A TLS fingerprint alone is shared by every client of one SDK;
 * joined with the request shape and system prompt, or with the network, it names one client setup.
 */
export function fingerprintsFor(key: HashKey, facts: ClientFacts, parsed: ParsedRequest, systemHash: string): Fingerprint[] {
  const out: Fingerprint[] = [];
  const h = { hi: 0, lo: 0 };
  const stack = [facts.ja4 ?? "", facts.ua ?? ""].join("|");
  if (facts.ja4 || facts.ua) {
    out.push({
      id: `${FINGERPRINT_PREFIX.stack}${hash64Hex(hashString(key, `stack|${stack}|${shapeOf(parsed, systemHash)}`, h))}`,
      kind: "stack",
      client: { ja4: facts.ja4, ua: facts.ua, asn: null, prefix: null },
    });
  }
  if ((facts.ja4 || facts.ua) && (facts.asn !== null || facts.prefix)) {
    out.push({
      id: `${FINGERPRINT_PREFIX.network}${hash64Hex(hashString(key, `net|${stack}|${facts.asn ?? ""}|${facts.prefix ?? ""}`, h))}`,
      kind: "network",
      client: { ja4: facts.ja4, ua: facts.ua, asn: facts.asn, prefix: facts.prefix },
    });
  }
  return out;
}

/** Hash of the client network (ASN and prefix) for the account's address-rotation signal. */
export function networkHash(key: HashKey, facts: ClientFacts): [number, number] | null {
  if (facts.asn === null && !facts.prefix) return null;
  const h = hashString(key, `network|${facts.asn ?? ""}|${facts.prefix ?? ""}`);
  return [h.hi, h.lo];
}
