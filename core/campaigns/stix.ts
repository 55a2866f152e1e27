/**
 * A campaign's indicators as a STIX 2.1 bundle, for sharing with other providers. What it may
 * contain is fixed here and documented in docs/operators.md ("STIX export"): the campaign's time
 * range, the client facts its fingerprints were built from (JA4, user agent, ASN, address range at
 * STIX_ADDRESS_PREFIX_V4/V6) and nothing else: no account id, no API key, no prompt, no keyed hash
 * (meaningless to a receiver). Runtime-free; uses WebCrypto's SHA-1 for UUIDv5.
 */
export interface IndicatorSource {
  fingerprint: string;
  ja4: string | null;
  ua: string | null;
  asn: number | null;
  /** `a.b.c.0/24` or `x:y:z::/48`, as the guard keeps it. */
  prefix: string | null;
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface StixInput {
  campaignId: string;
  firstSeen: number | null;
  lastSeen: number | null;
  action: string;
  reasons: string[];
  now: number;
  sources: IndicatorSource[];
  prefixV4: number;
  prefixV6: number;
}

type StixObject = Record<string, unknown> & { type: string; id: string; spec_version: "2.1" };

/** Fixed namespace of this project's UUIDv5 ids, so one indicator keeps its id across exports. */
const NAMESPACE = "9b0f2a8e-4c61-4f43-9a77-3c2d5e1b7a10";
const MAX_UA = 256;
/** Something shaped like a credential: a key prefix, a bearer word, or a long unbroken token. */
const CREDENTIAL_LIKE = /(\b(sk|pk|rk|key|token|bearer)[-_:= ]|[A-Za-z0-9_-]{32,})/i;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** RFC 4122 version 5 UUID of `name` in NAMESPACE. */
export async function uuidV5(name: string, namespace = NAMESPACE): Promise<string> {
  const ns = Uint8Array.from(
    namespace
      .replace(/-/g, "")
      .match(/../g)!
      .map((h) => parseInt(h, 16)),
  );
  const input = new Uint8Array([...ns, ...new TextEncoder().encode(name)]);
  const d = new Uint8Array(await crypto.subtle.digest("SHA-1", input)).slice(0, 16);
  d[6] = (d[6]! & 0x0f) | 0x50;
  d[8] = (d[8]! & 0x3f) | 0x80;
  const h = hex(d);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const stamp = (t: number) => new Date(t).toISOString();

/** A STIX pattern string literal: backslash and quote escaped. */
export function literal(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** The kept prefix shortened to `bits` (never lengthened: the guard does not know more); null when off. */
export function coarsen(prefix: string, v4Bits: number, v6Bits: number): string | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(prefix);
  if (v4) {
    const kept = Number(v4[5]);
    const bits = Math.min(v4Bits, kept);
    if (bits <= 0) return null;
    const n = v4.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
    const masked = bits === 32 ? n : Math.floor(n / 2 ** (32 - bits)) * 2 ** (32 - bits);
    return `${[24, 16, 8, 0].map((s) => Math.floor(masked / 2 ** s) % 256).join(".")}/${bits}`;
  }
  const v6 = /^([0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,2})::\/(\d{1,3})$/i.exec(prefix);
  if (!v6) return null;
  const kept = Number(v6[2]);
  const bits = Math.min(v6Bits, kept, 48);
  if (bits <= 0) return null;
  const groups = v6[1]!.split(":").map((g) => parseInt(g, 16));
  while (groups.length < 3) groups.push(0);
  let n = groups.reduce((acc, g) => acc * 65536 + g, 0);
  n = Math.floor(n / 2 ** (48 - bits)) * 2 ** (48 - bits);
  const out = [32, 16, 0].map((s) => Math.floor(n / 2 ** s) % 65536);
  while (out.length && out[out.length - 1] === 0) out.pop();
  return `${out.map((g) => g.toString(16)).join(":")}::/${bits}`;
}

/** A user agent fit to share: bounded, and dropped when it looks like it carries a credential. */
export function shareableUa(ua: string | null): string | null {
  if (!ua) return null;
  const s = ua.trim();
  if (!s || s.length > MAX_UA || CREDENTIAL_LIKE.test(s)) return null;
  return s;
}

/** A JA4 (or JA3 hash) as the edge reports it; anything else is not shared. */
export function shareableJa4(ja4: string | null): string | null {
  return ja4 && /^[A-Za-z0-9_]{1,64}$/.test(ja4) ? ja4 : null;
}

/** One observation expression per kind of fact, ANDed over network-traffic (one object type per expression). */
function patternOf(s: IndicatorSource, v4: number, v6: number): { pattern: string; parts: string[] } | null {
  const parts: string[] = [];
  const clauses: string[] = [];
  const ja4 = shareableJa4(s.ja4);
  const ua = shareableUa(s.ua);
  const range = s.prefix ? coarsen(s.prefix, v4, v6) : null;
  if (ja4) {
    clauses.push(`network-traffic:x_ja4 = ${literal(ja4)}`);
    parts.push("ja4");
  }
  if (ua) {
    clauses.push(`network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = ${literal(ua)}`);
    parts.push("user-agent");
  }
  if (range) {
    clauses.push(`network-traffic:src_ref.value ISSUBSET ${literal(range)}`);
    parts.push("address-range");
  }
  if (clauses.length === 0) return null;
  let pattern = `[${clauses.join(" AND ")}]`;
  if (s.asn !== null && Number.isSafeInteger(s.asn)) {
    pattern += ` AND [autonomous-system:number = ${s.asn}]`;
    parts.push("asn");
  }
  return { pattern, parts };
}

export async function stixBundle(input: StixInput): Promise<{ type: "bundle"; id: string; objects: StixObject[] }> {
  const first = input.firstSeen ?? input.now;
  const last = Math.max(input.lastSeen ?? input.now, first);
  const base = (type: string, id: string, created: number) => ({ type, spec_version: "2.1" as const, id: `${type}--${id}`, created: stamp(created), modified: stamp(Math.max(created, input.now)) });
  const campaign: StixObject = {
    ...base("campaign", await uuidV5(`campaign|${input.campaignId}`), first),
    name: `LLM distillation campaign ${input.campaignId}`,
    description: `Systematic extraction of model outputs through many API accounts, judged ${input.action} by distill-guard: ${input.reasons.join("; ")}`.slice(0, 1000),
    first_seen: stamp(first),
    last_seen: stamp(last),
    objective: "Distillation of a language model's outputs",
  };
  const objects: StixObject[] = [campaign];
  const seen = new Set<string>();
  for (const s of [...input.sources].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1))) {
    const p = patternOf(s, input.prefixV4, input.prefixV6);
    if (!p || seen.has(p.pattern)) continue;
    seen.add(p.pattern);
    const from = s.firstSeen ?? first;
    const indicator: StixObject = {
      ...base("indicator", await uuidV5(`indicator|${input.campaignId}|${p.pattern}`), from),
      name: `Client of distillation campaign ${input.campaignId} (${p.parts.join(", ")})`,
      indicator_types: ["malicious-activity"],
      pattern: p.pattern,
      pattern_type: "stix",
      pattern_version: "2.1",
      valid_from: stamp(from),
      valid_until: stamp(Math.max(s.lastSeen ?? last, from) + 1),
    };
    objects.push(indicator);
    objects.push({
      ...base("relationship", await uuidV5(`indicates|${indicator.id}|${campaign.id}`), from),
      relationship_type: "indicates",
      source_ref: indicator.id,
      target_ref: campaign.id,
    });
  }
  return { type: "bundle", id: `bundle--${crypto.randomUUID()}`, objects };
}
