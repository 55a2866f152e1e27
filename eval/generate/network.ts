/**
 * Who the traffic appears to come from: regions and their time zones, autonomous systems with
 * synthetic address ranges, client software (User-Agent and the JA4 of its TLS stack), and API keys.
 *
 * Addresses are made up: every ASN owns a few /16 ranges drawn from the seed (IPv6 /32s for mobile
 * carriers). JA4 values stand for a handful of TLS stacks and are shared by benign and extraction
 * traffic alike, as in the dev scenario, so a JA4 alone never identifies a campaign.
 */
import type { Rng } from "../../tools/prng";

export interface Region {
  id: string;
  /** UTC offset, hours */
  utcOffset: number;
  /** share of people in this region */
  weight: number;
  residential: number[];
  mobile: number[];
}

export const REGIONS: readonly Region[] = [
  { id: "us-east", utcOffset: -5, weight: 18, residential: [7922, 701, 22773, 11351], mobile: [21928, 22394] },
  { id: "us-west", utcOffset: -8, weight: 12, residential: [7018, 20115, 209, 20001], mobile: [20057, 21928] },
  { id: "mexico", utcOffset: -6, weight: 5, residential: [8151, 28548], mobile: [28403] },
  { id: "brazil", utcOffset: -3, weight: 7, residential: [28573, 18881, 26599], mobile: [26615] },
  { id: "uk", utcOffset: 0, weight: 10, residential: [2856, 5089, 5607], mobile: [12576] },
  { id: "central-eu", utcOffset: 1, weight: 16, residential: [3320, 3215, 3352, 12322, 6830], mobile: [3209, 16202] },
  { id: "india", utcOffset: 5.5, weight: 13, residential: [24560, 9829, 17488], mobile: [45609, 38266] },
  { id: "east-asia", utcOffset: 9, weight: 11, residential: [2516, 4713, 17676, 4766], mobile: [2527, 9644] },
  { id: "australia", utcOffset: 10, weight: 8, residential: [1221, 4804, 7545], mobile: [133612] },
];

/** Cloud and hosting providers: apps, batch jobs, and campaigns' servers and proxies. */
export const HOSTING_ASNS: readonly number[] = [16509, 14061, 24940, 63949, 20473, 16276, 8075, 396982, 212238, 9009, 45102, 31898, 51167, 60068];

/** Enterprise transit providers behind which offices share one NAT address. */
export const OFFICE_ASNS: readonly number[] = [174, 3356, 6461, 1299, 6939];

const BLOCKED_FIRST_OCTETS = new Set([0, 10, 100, 127, 169, 172, 192, 198, 203, 224]);

/** Address ranges per ASN, drawn from the seed, never shared between two ASNs. */
export class AddressSpace {
  readonly #v4 = new Map<number, number[]>();
  readonly #v6 = new Map<number, string>();
  readonly #taken = new Set<number>();
  readonly #rng: Rng;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  #prefixes(asn: number): number[] {
    let prefixes = this.#v4.get(asn);
    if (!prefixes) {
      const rng = this.#rng.fork(`asn/${asn}`);
      prefixes = [];
      const count = rng.int(2, 3);
      while (prefixes.length < count) {
        const first = rng.int(1, 223);
        if (BLOCKED_FIRST_OCTETS.has(first)) continue;
        const prefix = first * 256 + rng.int(0, 255);
        if (this.#taken.has(prefix)) continue;
        this.#taken.add(prefix);
        prefixes.push(prefix);
      }
      this.#v4.set(asn, prefixes);
    }
    return prefixes;
  }

  /** A random IPv4 address of the ASN. */
  ipv4(asn: number, rng: Rng): string {
    const prefix = rng.pick(this.#prefixes(asn));
    return `${prefix >> 8}.${prefix & 255}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  }

  /** `count` addresses of the ASN in one /24, as a small server pool would have. */
  ipv4Block(asn: number, rng: Rng, count: number): string[] {
    const prefix = rng.pick(this.#prefixes(asn));
    const third = rng.int(0, 255);
    const hosts = rng.shuffle(Array.from({ length: 254 }, (_, i) => i + 1)).slice(0, count);
    return hosts.map((h) => `${prefix >> 8}.${prefix & 255}.${third}.${h}`);
  }

  /** A random IPv6 address of a mobile carrier: a fresh /64 each time, as carriers hand them out. */
  ipv6(asn: number, rng: Rng): string {
    let prefix = this.#v6.get(asn);
    if (!prefix) {
      const r = this.#rng.fork(`asn6/${asn}`);
      prefix = `2a0${r.int(1, 9)}:${r.int(0x1000, 0xffff).toString(16)}`;
      this.#v6.set(asn, prefix);
    }
    const group = (): string => rng.int(0, 0xffff).toString(16);
    return `${prefix}:${group()}:${group()}:${group()}:${group()}:${group()}:${group()}`;
  }
}

export const JA4 = {
  httpx: "t13d1812h2_85036bcba153_b0e7e7f4ec5f",
  node: "t13d1713h2_5b57614c22b0_3d5424432f57",
  urllib3: "t13d1812h1_85036bcba153_375ca2c5e164",
  aiohttp: "t13d1812h1_85036bcba153_7b2d1bd9bd1e",
  chrome: "t13d1516h2_8daaf6152771_02713d6af862",
  curl: "t13d3112h2_e8f1e7e78f70_6bebaf5329ac",
  go: "t13d1311h2_f57a46bbacb6_ab8c1b8b2dc6",
  okhttp: "t13d1613h2_46e7e9700bed_36cf1a0fd327",
} as const;

export type ApiFamily = "openai" | "anthropic" | "any";

export interface ClientStack {
  id: string;
  family: ApiFamily;
  ja4: string;
  /** a User-Agent of this stack; an actor keeps the one it drew */
  userAgent(rng: Rng): string;
}

const v = (rng: Rng, major: number, minors: [number, number], patches: [number, number]): string => `${major}.${rng.int(minors[0], minors[1])}.${rng.int(patches[0], patches[1])}`;

export const STACKS: Readonly<Record<string, ClientStack>> = {
  "openai-python": { id: "openai-python", family: "openai", ja4: JA4.httpx, userAgent: (r) => `OpenAI/Python ${v(r, 1, [35, 68], [0, 6])}` },
  "anthropic-python": { id: "anthropic-python", family: "anthropic", ja4: JA4.httpx, userAgent: (r) => `Anthropic/Python ${v(r, 0, [36, 49], [0, 4])}` },
  "openai-node": { id: "openai-node", family: "openai", ja4: JA4.node, userAgent: (r) => `OpenAI/JS ${v(r, 4, [68, 85], [0, 5])}` },
  "anthropic-node": { id: "anthropic-node", family: "anthropic", ja4: JA4.node, userAgent: (r) => `Anthropic/JS ${v(r, 0, [30, 39], [0, 3])}` },
  requests: { id: "requests", family: "any", ja4: JA4.urllib3, userAgent: (r) => `python-requests/2.${r.pick([28, 31, 32])}.${r.int(0, 3)}` },
  aiohttp: { id: "aiohttp", family: "any", ja4: JA4.aiohttp, userAgent: (r) => `Python/3.${r.int(10, 12)} aiohttp/3.${r.pick([9, 10, 11])}.${r.int(0, 12)}` },
  axios: { id: "axios", family: "any", ja4: JA4.node, userAgent: (r) => `axios/1.${r.int(6, 7)}.${r.int(2, 9)}` },
  chrome: {
    id: "chrome",
    family: "any",
    ja4: JA4.chrome,
    userAgent: (r) =>
      `Mozilla/5.0 (${r.pick(["Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7", "X11; Linux x86_64"])}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${r.int(128, 134)}.0.0.0 Safari/537.36`,
  },
  curl: { id: "curl", family: "any", ja4: JA4.curl, userAgent: (r) => `curl/${r.pick(["7.81.0", "7.88.1", "8.5.0", "8.7.1", "8.9.1", "8.11.0"])}` },
  go: { id: "go", family: "any", ja4: JA4.go, userAgent: (r) => `Go-http-client/${r.pick(["1.1", "2.0"])}` },
  okhttp: { id: "okhttp", family: "any", ja4: JA4.okhttp, userAgent: (r) => `okhttp/4.${r.int(10, 12)}.0` },
};

/** What people's own scripts and apps use (weights). */
export const PEOPLE_STACKS: ReadonlyArray<readonly [string, number]> = [
  ["openai-python", 28],
  ["openai-node", 14],
  ["anthropic-python", 15],
  ["anthropic-node", 5],
  ["requests", 7],
  ["aiohttp", 4],
  ["axios", 4],
  ["chrome", 9],
  ["curl", 6],
  ["go", 3],
  ["okhttp", 5],
];

/** What servers (apps, batch jobs) use. */
export const SERVER_STACKS: ReadonlyArray<readonly [string, number]> = [
  ["openai-python", 25],
  ["anthropic-python", 15],
  ["openai-node", 15],
  ["aiohttp", 15],
  ["requests", 15],
  ["go", 10],
  ["axios", 5],
];

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** An API key of the usual shape for the API family it is mostly used with. */
export function apiKey(rng: Rng, family: "openai" | "anthropic"): string {
  if (family === "anthropic") return `sk-ant-api03-${rng.string(40, `${ALNUM}-_`)}`;
  return rng.chance(0.8) ? `sk-proj-${rng.string(36, ALNUM)}` : `sk-${rng.string(48, ALNUM)}`;
}
