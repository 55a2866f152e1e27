import { exports } from "cloudflare:workers";
import { testHeaders } from "../../tools/test-headers";

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
  const client = { time: o.time, ja4: o.ja4 || undefined, asn: o.asn, ip: o.ip || undefined, ua: o.ua || undefined };
  const headers = { "content-type": "application/json", ...(o.headers ?? {}), ...testHeaders({ ...client, key: o.key === null ? undefined : (o.key ?? "sk-test-default") }) };
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
  const token = init.token === null ? undefined : (init.token ?? "test-admin-token");
  for (const [name, value] of Object.entries(testHeaders({ key: token, time: init.time }))) headers.set(name, value);
  return exports.default.fetch(`http://guard.test${path}`, { ...init, headers });
}

/** A unique key per test, so tests never share an account. */
export function freshKey(label: string): string {
  return `sk-test-${label}-${crypto.randomUUID()}`;
}

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
