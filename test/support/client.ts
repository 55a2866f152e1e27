import { exports } from "cloudflare:workers";

export interface SendOptions {
  key?: string | null;
  time?: number;
  ja4?: string;
  asn?: number;
  ip?: string;
  ua?: string;
  headers?: Record<string, string>;
  method?: string;
  rawBody?: BodyInit;
}

/** Sends one request through the Worker's own fetch handler, as a client would. */
export function send(path: string, body: unknown, o: SendOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", ...(o.headers ?? {}) };
  if (o.key !== null) headers.authorization = `Bearer ${o.key ?? "sk-test-default"}`;
  if (o.time !== undefined) headers["x-guard-test-time"] = String(o.time);
  if (o.ja4) headers["x-guard-test-ja4"] = o.ja4;
  if (o.asn !== undefined) headers["x-guard-test-asn"] = String(o.asn);
  if (o.ip) headers["cf-connecting-ip"] = o.ip;
  if (o.ua) headers["user-agent"] = o.ua;
  const method = o.method ?? "POST";
  return exports.default.fetch(`http://guard.test${path}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : (o.rawBody ?? JSON.stringify(body)),
  });
}

export const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: "m", messages: [{ role: "user", content }], ...extra });
export const messages = (content: string, extra: Record<string, unknown> = {}) => ({ model: "m", max_tokens: 256, messages: [{ role: "user", content }], ...extra });

export function operator(path: string, init: RequestInit & { time?: number; token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token !== null) headers.set("authorization", `Bearer ${init.token ?? "test-admin-token"}`);
  if (init.time !== undefined) headers.set("x-guard-test-time", String(init.time));
  return exports.default.fetch(`http://guard.test${path}`, { ...init, headers });
}

/** A unique key per test, so tests never share an account. */
export function freshKey(label: string): string {
  return `sk-test-${label}-${crypto.randomUUID()}`;
}

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
