/**
 * Operator-side helpers for workerd tests: drive a key into a verdict, call the operator API as JSON,
 * and wait for background audit writes (they run in waitUntil, after the answer).
 */
import { chat, operator, send, type SendOptions } from "./client";
import { debugOf, type Debug } from "./debug";
import { sweepPrompts } from "./prompts";

export interface AuditRowLike {
  id: number;
  t: number;
  account: string | null;
  fingerprint: string | null;
  action: string;
  cause: string;
  reasons: string[];
  signals: Record<string, number>;
  until: number | null;
  shadow: boolean;
  via: string | null;
}

/** Sends a sweep from one key, 5 s apart, until the answer's action is `until` (or `max` requests). */
export async function sweep(key: string, t0: number, o: { until?: Debug["action"]; max?: number; offset?: number } & SendOptions = {}): Promise<{ t: number; last: Debug; status: number }> {
  let t = t0;
  let last: Debug = { action: "allow", cause: "none", reasons: [] };
  let status = 0;
  for (const p of sweepPrompts(o.max ?? 150, o.offset ?? 0)) {
    const res = await send("/v1/chat/completions", chat(p, { max_tokens: 4096 }), { ip: "203.0.113.77", ua: "sweeper/1", ...o, key, time: (t += 5_000) });
    await res.arrayBuffer();
    last = debugOf(res)!;
    status = res.status;
    if (o.until && last.action === o.until) break;
  }
  return { t, last, status };
}

export async function op<T = Record<string, unknown>>(method: string, path: string, body: unknown, time: number): Promise<{ status: number; body: T }> {
  const res = await operator(path, { method, time, body: body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json" } });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function accountIdOf(key: string, time: number): Promise<string> {
  const res = await op<{ account: string }>("POST", "/_guard/v1/accounts/lookup", { key }, time);
  return res.body.account;
}

/** Polls the audit query until `ok` holds (background writes land shortly after the answer). */
export async function auditUntil(query: string, ok: (rows: AuditRowLike[]) => boolean, time: number, timeoutMs = 5_000): Promise<AuditRowLike[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await op<{ entries: AuditRowLike[] }>("GET", `/_guard/v1/audit?${query}`, undefined, time);
    if (ok(res.body.entries) || Date.now() > deadline) return res.body.entries;
    await new Promise((r) => setTimeout(r, 50));
  }
}
