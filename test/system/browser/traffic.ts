/**
 * Traffic for browser tests, sent over HTTP with the x-guard-test-* headers: a sweeping key that
 * ends up blocked, a hydra of fresh keys on one client, and ordinary users.
 */
import { testHeaders, type TestClient } from "../../../tools/test-headers";
import { hydraBody, sweepPrompts } from "../../support/prompts";

export type Client = Omit<TestClient, "key" | "time">;

export const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);

/** What clients saw, as a replay counts it: served = 2xx, throttled = 429, blocked = 403. */
export const seen = { served: 0, throttled: 0, blocked: 0, other: 0 };

export async function ask(url: string, key: string, time: number, body: unknown, client: Client = {}): Promise<{ status: number; debug: { action: string; cause: string } | null }> {
  const headers = { "content-type": "application/json", ...testHeaders({ ...client, key, time }) };
  const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify(body) });
  await res.arrayBuffer();
  seen[res.ok ? "served" : res.status === 429 ? "throttled" : res.status === 403 ? "blocked" : "other"]++;
  const debug = res.headers.get("x-guard-debug");
  return { status: res.status, debug: debug ? JSON.parse(debug) : null };
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: "m", messages: [{ role: "user", content }], ...extra });

/** One key sweeping distinct prompts with harvesting parameters until it is blocked; returns the last time used. */
export async function sweeper(url: string, key: string, t0: number): Promise<number> {
  let t = t0;
  for (const p of sweepPrompts(200)) {
    const r = await ask(url, key, (t += 5_000), chat(p, { max_tokens: 4096 }), { ip: "203.0.113.50", ua: "curl/8.5.0", ja4: "t13d_sweeper" });
    if (r.status === 403) return t;
  }
  throw new Error("the sweeper was never blocked");
}

/** The same sweep for a fixed number of requests (in shadow mode nothing is refused). Returns the last time used. */
export async function sweep(url: string, key: string, t0: number, n: number): Promise<{ t: number; shadow: string | null }> {
  let t = t0;
  let shadow: string | null = null;
  for (const p of sweepPrompts(n)) {
    const r = await ask(url, key, (t += 5_000), chat(p, { max_tokens: 4096 }), { ip: "203.0.113.51", ua: "curl/8.5.0", ja4: "t13d_sweeper" });
    shadow = (r.debug as { shadow?: { action: string } } | null)?.shadow?.action ?? shadow;
  }
  return { t, shadow };
}

export const HYDRA_KEYS = 24;
export const hydraKey = (i: number) => `sk-e2e-hydra-${i}`;

/** Many fresh keys sharing one client stack, each sending a few prompts. */
export async function hydra(url: string, t0: number, keys = HYDRA_KEYS, requests = 240): Promise<number> {
  const prompts = sweepPrompts(requests, 7);
  let t = t0;
  for (const [i, p] of prompts.entries()) {
    const body = hydraBody(p);
    await ask(url, hydraKey(i % keys), (t += 9_000), body, { ja4: "t13d1812h2_85036bcba153_b0e7e7f4ec5f", ua: "OpenAI/Python 1.30.1", ip: `100.64.${i % 12}.9`, asn: 9009 + (i % 3) });
  }
  return t;
}

/** Ordinary users in short conversations. */
export async function users(url: string, t0: number, n = 6): Promise<number> {
  let t = t0;
  for (let u = 0; u < n; u++) {
    for (let turn = 0; turn < 3; turn++) {
      const messages = [{ role: "user", content: `I am planning a trip to city ${u}, what should I pack?` }];
      if (turn > 0) messages.push({ role: "assistant", content: "Here are some ideas." }, { role: "user", content: "Can you make it shorter?" });
      await ask(url, `sk-e2e-user-${u}`, (t += 20_000), { model: "m", messages }, { ip: `198.51.100.${u + 10}`, ua: "Mozilla/5.0", ja4: "t13d_browser" });
    }
  }
  return t;
}
