/**
 * The client stacks a provider sees most: twelve SDKs and HTTP clients, each in a few released
 * versions. A version's User-Agent is one fixed string and its TLS stack one JA4, so thousands of
 * independent users share a handful of UA + JA4 pairs, as they do at a real provider.
 *
 * Parameters are what each SDK or framework sends when the user sets nothing: the Vercel AI SDK asks
 * Anthropic models for their full output (64000, 32000 for Opus), OpenAI-format frameworks for
 * 32768 / 16384 / 4096, and the plain SDKs send whatever the user copied from the docs. An attacker
 * who reads the detection rules uses the same defaults, so `max_tokens` alone tells nobody apart.
 */
import { ANTHROPIC_MODELS, OPENAI_MODELS } from "./bodies";
import type { Api, BodyStyle } from "./bodies";
import { JA4 } from "./network";
import type { Rng } from "../../tools/prng";

export interface SdkClient {
  id: string;
  ja4: string;
  /** released versions' User-Agents, by weight */
  versions: ReadonlyArray<readonly [string, number]>;
  /** the API families and endpoints its users call, by weight */
  apis: ReadonlyArray<readonly [Api, number]>;
  /** `max_tokens` its users end up sending (undefined: none), by weight */
  maxTokens: ReadonlyArray<readonly [number | undefined, number]>;
  /** share of its users who stream */
  stream: number;
}

const OPENAI_DEFAULTS: ReadonlyArray<readonly [number | undefined, number]> = [
  [undefined, 35],
  [4096, 25],
  [16384, 22],
  [32768, 18],
];
const ANTHROPIC_DEFAULTS: ReadonlyArray<readonly [number | undefined, number]> = [
  [1024, 22],
  [4096, 26],
  [8192, 18],
  [32000, 16],
  [64000, 18],
];
const ANY_DEFAULTS: ReadonlyArray<readonly [number | undefined, number]> = [
  [undefined, 20],
  [1024, 15],
  [4096, 30],
  [16384, 20],
  [32768, 15],
];
const CHROME = (os: string, v: number): string => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`;

export const SDK_CLIENTS: readonly SdkClient[] = [
  {
    id: "openai-python",
    ja4: JA4.httpx,
    versions: [
      ["OpenAI/Python 1.99.9", 40],
      ["OpenAI/Python 1.102.0", 35],
      ["OpenAI/Python 1.97.1", 25],
    ],
    apis: [
      ["chat", 80],
      ["responses", 20],
    ],
    maxTokens: OPENAI_DEFAULTS,
    stream: 0.35,
  },
  {
    id: "openai-node",
    ja4: JA4.node,
    versions: [
      ["OpenAI/JS 5.12.2", 45],
      ["OpenAI/JS 5.16.0", 35],
      ["OpenAI/JS 4.104.0", 20],
    ],
    apis: [
      ["chat", 75],
      ["responses", 25],
    ],
    maxTokens: OPENAI_DEFAULTS,
    stream: 0.5,
  },
  {
    id: "anthropic-python",
    ja4: JA4.httpx,
    versions: [
      ["Anthropic/Python 0.64.0", 45],
      ["Anthropic/Python 0.66.0", 35],
      ["Anthropic/Python 0.60.0", 20],
    ],
    apis: [["messages", 1]],
    maxTokens: ANTHROPIC_DEFAULTS,
    stream: 0.35,
  },
  {
    id: "anthropic-node",
    ja4: JA4.node,
    versions: [
      ["Anthropic/JS 0.60.0", 55],
      ["Anthropic/JS 0.61.0", 45],
    ],
    apis: [["messages", 1]],
    maxTokens: ANTHROPIC_DEFAULTS,
    stream: 0.5,
  },
  {
    id: "vercel-ai-anthropic",
    ja4: JA4.node,
    versions: [
      ["ai-sdk/anthropic/2.0.9", 60],
      ["ai-sdk/anthropic/2.0.15", 40],
    ],
    apis: [["messages", 1]],
    maxTokens: [
      [64000, 80],
      [32000, 20],
    ],
    stream: 0.85,
  },
  {
    id: "vercel-ai-openai",
    ja4: JA4.node,
    versions: [
      ["ai-sdk/openai/2.0.23", 60],
      ["ai-sdk/openai/2.0.30", 40],
    ],
    apis: [
      ["responses", 60],
      ["chat", 40],
    ],
    maxTokens: [
      [32768, 45],
      [16384, 35],
      [undefined, 20],
    ],
    stream: 0.85,
  },
  {
    id: "requests",
    ja4: JA4.urllib3,
    versions: [
      ["python-requests/2.32.3", 60],
      ["python-requests/2.32.4", 40],
    ],
    apis: [
      ["chat", 70],
      ["messages", 30],
    ],
    maxTokens: ANY_DEFAULTS,
    stream: 0.05,
  },
  {
    id: "httpx",
    ja4: JA4.httpx,
    versions: [
      ["python-httpx/0.28.1", 70],
      ["python-httpx/0.27.2", 30],
    ],
    apis: [
      ["chat", 65],
      ["messages", 35],
    ],
    maxTokens: ANY_DEFAULTS,
    stream: 0.2,
  },
  {
    id: "curl",
    ja4: JA4.curl,
    versions: [
      ["curl/8.5.0", 40],
      ["curl/8.7.1", 35],
      ["curl/7.81.0", 25],
    ],
    apis: [
      ["chat", 60],
      ["messages", 40],
    ],
    maxTokens: ANY_DEFAULTS,
    stream: 0.05,
  },
  {
    id: "go",
    ja4: JA4.go,
    versions: [
      ["Go-http-client/2.0", 80],
      ["Go-http-client/1.1", 20],
    ],
    apis: [
      ["chat", 70],
      ["messages", 30],
    ],
    maxTokens: ANY_DEFAULTS,
    stream: 0.3,
  },
  {
    id: "okhttp",
    ja4: JA4.okhttp,
    versions: [
      ["okhttp/4.12.0", 70],
      ["okhttp/4.11.0", 30],
    ],
    apis: [
      ["chat", 80],
      ["messages", 20],
    ],
    maxTokens: ANY_DEFAULTS,
    stream: 0.5,
  },
  {
    id: "chrome",
    ja4: JA4.chrome,
    versions: [
      [CHROME("Windows NT 10.0; Win64; x64", 139), 45],
      [CHROME("Macintosh; Intel Mac OS X 10_15_7", 139), 35],
      [CHROME("Windows NT 10.0; Win64; x64", 138), 20],
    ],
    apis: [
      ["chat", 70],
      ["messages", 30],
    ],
    maxTokens: ANY_DEFAULTS,
    stream: 0.8,
  },
];

/** How common each client is among API users (weights, same order as SDK_CLIENTS). */
const SDK_WEIGHTS: readonly number[] = [22, 12, 12, 5, 7, 8, 8, 4, 5, 4, 6, 7];

export interface SdkSetup {
  client: SdkClient;
  ua: string;
  ja4: string;
  api: Api;
  family: "openai" | "anthropic";
}

/** One user's installation: a client, one released version of it, and the endpoint they call. */
export function sdkSetup(rng: Rng, client: SdkClient = SDK_CLIENTS[rng.weightedIndex(SDK_WEIGHTS)]!): SdkSetup {
  const api = rng.weighted(client.apis);
  return { client, ua: rng.weighted(client.versions), ja4: client.ja4, api, family: api === "messages" ? "anthropic" : "openai" };
}

/** What a user of that setup sends when they change nothing: the default habits of the client. */
export function sdkStyle(rng: Rng, setup: SdkSetup, system?: string): BodyStyle {
  const { api } = setup;
  let maxTokens = rng.weighted(setup.client.maxTokens);
  // The Messages API requires max_tokens; a client that sets none there uses the docs' example.
  if (api === "messages" && maxTokens === undefined) maxTokens = 4096;
  if (api === "messages" && maxTokens !== undefined && maxTokens > 64000) maxTokens = 64000;
  if (api !== "messages" && maxTokens !== undefined && [32000, 64000, 8192].includes(maxTokens)) maxTokens = 16384;
  return {
    api,
    model: api === "messages" ? rng.pick(ANTHROPIC_MODELS) : rng.pick(OPENAI_MODELS),
    system,
    maxTokens,
    temperature: rng.chance(0.2) ? rng.pick([0.2, 0.7, 1]) : undefined,
    stream: rng.chance(setup.client.stream),
  };
}
