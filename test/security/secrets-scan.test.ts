/**
 * No API key and no prompt text at rest or in logs. Recognisable keys and prompt
 * words go through every format and field the parsers read, through refusals (bad JSON, wrong types,
 * rate limits, an extraction block), idempotent retries, pass-through paths and the operator API.
 * Then every Durable Object of every namespace is flushed (its alarm run) and every table of its
 * SQLite storage, plus its key-value storage, is read back, together with every console line the
 * Worker and the objects wrote. None may contain a canary, as UTF-8 text or as UTF-16 bytes.
 * A positive control checks that the scan does see what is stored (the account ids are there).
 */
import { listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { accountIdFor } from "../../worker/identity";
import { operator, send, T0 } from "../support/client";

const KEYS = ["sk-canaryKEY-3f9a7c2e51", "sk-canaryXAPI-8d1e0b77", "sk-canarySWEEP-5c2b91aa"] as const;
const WORDS = [
  "quokkazephyrcanary",
  "systemcanaryxylophone",
  "toolresultcanaryocelot",
  "instructcanaryplatypus",
  "completioncanarynarwhal",
  "endusercanary9q",
  "idemcanary77",
  "malformedcanarygecko",
] as const;
const CANARIES = [...KEYS, ...WORDS];

const lines: string[] = [];

beforeAll(() => {
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.name}: ${a.message}\n${a.stack}` : JSON.stringify(a))).join(" "));
    });
  }
});
afterAll(() => vi.restoreAllMocks());

async function drain(res: Response | Promise<Response>): Promise<number> {
  const r = await res;
  await r.arrayBuffer();
  return r.status;
}

/** Every request shape that carries a key or prompt text. */
async function traffic(): Promise<void> {
  const [key, xkey, sweepKey] = KEYS;
  const [w, sys, tool, instr, compl, endUser, idem, malformed] = WORDS;
  const client = { ua: "canary-client/1.0", ja4: "t13d_canary", ip: "198.51.100.77", asn: 64501 };
  await drain(
    send(
      "/v1/chat/completions",
      {
        model: "m",
        user: endUser,
        messages: [
          { role: "system", content: `You are ${sys}.` },
          { role: "user", content: `Tell me about ${w} please` },
          { role: "assistant", content: `Sure, ${w}` },
          { role: "user", content: [{ type: "text", text: `More ${w}` }] },
        ],
      },
      { key, time: T0, ...client },
    ),
  );
  await drain(send("/v1/chat/completions", { model: "m", stream: true, messages: [{ role: "user", content: `Stream ${w}` }] }, { key, time: T0 + 1 }));
  await drain(send("/v1/completions", { model: "m", prompt: [`Complete ${compl}`, `Also ${w}`], safety_identifier: endUser }, { key, time: T0 + 2 }));
  await drain(send("/v1/responses", { model: "m", instructions: `Follow ${instr}`, input: [{ role: "user", content: [{ type: "input_text", text: `Respond on ${w}` }] }] }, { key, time: T0 + 3 }));
  await drain(
    send(
      "/v1/messages",
      {
        model: "m",
        max_tokens: 50,
        system: [{ type: "text", text: `System ${sys}` }],
        metadata: { user_id: endUser },
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: `Claude ${w}` },
              { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: `Result ${tool}` }] },
            ],
          },
        ],
      },
      { key: null, time: T0 + 4, headers: { "x-api-key": xkey }, ...client },
    ),
  );
  // Idempotent retries, pass-through paths, refusals that quote nothing back.
  for (let i = 0; i < 2; i++)
    await drain(send("/v1/chat/completions", { model: "m", messages: [{ role: "user", content: `Retry ${w}` }] }, { key, time: T0 + 5 + i, headers: { "idempotency-key": idem } }));
  await drain(send("/v1/models", null, { key, method: "GET", time: T0 + 7 }));
  await drain(send("/v1/files/anything", null, { key: xkey, method: "GET", time: T0 + 8 }));
  expect(await drain(send("/v1/chat/completions", null, { key, time: T0 + 9, rawBody: `{"model":"m","messages":[{"role":"user","content":"${malformed}` }))).toBe(400);
  expect(await drain(send("/v1/chat/completions", { model: "m", messages: [{ role: "user", content: { text: malformed } }] }, { key, time: T0 + 10 }))).toBe(400);
  expect(await drain(send("/v1/chat/completions", null, { key, time: T0 + 11, rawBody: new Uint8Array([...new TextEncoder().encode(`{"x":"${malformed}`), 0xff, 0xfe]) }))).toBe(400);
  expect(await drain(send("/v1/chat/completions", { model: "m", messages: [] }, { key: `${key} extra`, time: T0 + 12 }))).toBe(401);
  // A sweep under one key: novel single-shot prompts with harvesting parameters until refused.
  const seen = new Set<number>();
  for (let i = 0; i < 140; i++) {
    seen.add(
      await drain(
        send(
          "/v1/chat/completions",
          { model: "m", max_tokens: 8000, logprobs: true, messages: [{ role: "user", content: `Topic ${i * 7919}: explain ${w} aspect ${i} exhaustively` }] },
          { key: sweepKey, time: T0 + 20_000 + i * 1000, ...client },
        ),
      ),
    );
  }
  expect([...seen].some((s) => s === 429 || s === 403)).toBe(true);
  // The operator API, including a lookup that carries a key in its body.
  for (const k of KEYS) expect(await drain(operator("/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key: k }), time: T0 + 200_000 }))).toBe(200);
  await drain(operator("/_guard/v1/flagged", { time: T0 + 200_000 }));
}

interface Dump {
  namespaces: string[];
  objects: number;
  rows: number;
  texts: string[];
  blobs: Uint8Array[];
}

/** Every DurableObjectNamespace binding of the Worker. */
function namespaces(): [string, DurableObjectNamespace][] {
  return Object.entries(env as unknown as Record<string, unknown>).filter((e): e is [string, DurableObjectNamespace] => typeof (e[1] as { idFromName?: unknown })?.idFromName === "function");
}

async function dumpAll(): Promise<Dump> {
  const dump: Dump = { namespaces: [], objects: 0, rows: 0, texts: [], blobs: [] };
  for (const [name, ns] of namespaces()) {
    let ids: DurableObjectId[];
    try {
      ids = await listDurableObjectIds(ns);
    } catch {
      continue; // an RPC stub answers any property; only real namespaces list ids
    }
    dump.namespaces.push(name);
    for (const id of ids) {
      const stub = ns.get(id);
      await runDurableObjectAlarm(stub); // flush what is still only in memory
      const part = await runInDurableObject(stub, async (_instance, state) => {
        const out = { rows: 0, texts: [] as string[], blobs: [] as Uint8Array[] };
        const sql = state.storage.sql;
        const tables = sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
          .toArray()
          .map((r) => r.name);
        for (const t of tables) {
          out.texts.push(t);
          let rows: Record<string, SqlStorageValue>[];
          try {
            rows = sql.exec(`SELECT * FROM "${t.replace(/"/g, '""')}"`).toArray();
          } catch {
            continue; // internal tables the runtime does not let objects read; their contents are read below
          }
          for (const row of rows) {
            out.rows++;
            for (const [col, v] of Object.entries(row)) {
              out.texts.push(col);
              if (typeof v === "string") out.texts.push(v);
              else if (v instanceof ArrayBuffer) out.blobs.push(new Uint8Array(v));
            }
          }
        }
        for (const [k, v] of await state.storage.list()) {
          out.rows++;
          out.texts.push(k, typeof v === "string" ? v : (JSON.stringify(v) ?? ""));
          if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) out.blobs.push(new Uint8Array(v instanceof ArrayBuffer ? v : v.buffer));
        }
        return out;
      });
      dump.objects++;
      dump.rows += part.rows;
      dump.texts.push(...part.texts);
      dump.blobs.push(...part.blobs);
    }
  }
  return dump;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function utf16le(s: string): Uint8Array {
  const out = new Uint8Array(2 * s.length);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) & 0xff;
    out[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return out;
}

describe("secrets at rest and in logs", () => {
  it("no Durable Object table and no console line holds an API key or prompt text", async () => {
    await traffic();
    const dump = await dumpAll();

    // Positive control: the scan sees the stored state, account ids included.
    const secret = (env as unknown as { GUARD_SECRET: string }).GUARD_SECRET;
    const ids = await Promise.all(KEYS.map((k) => accountIdFor(secret, k)));
    expect(dump.namespaces).toEqual(expect.arrayContaining(["ACCOUNT_GUARD", "FINGERPRINT_GUARD", "GUARD_REGISTRY"]));
    expect(dump.objects).toBeGreaterThanOrEqual(KEYS.length + 2);
    expect(dump.rows).toBeGreaterThan(10);
    expect(dump.blobs.length).toBeGreaterThan(0);
    for (const id of ids) expect(dump.texts.some((t) => t.includes(id))).toBe(true);
    expect(lines.some((l) => l.includes('"event":"verdict"'))).toBe(true);

    const enc = new TextEncoder();
    const found: string[] = [];
    for (const c of CANARIES) {
      const lower = c.toLowerCase();
      for (const t of dump.texts) if (t.toLowerCase().includes(lower)) found.push(`storage text holds ${c}: ${t.slice(0, 120)}`);
      for (const l of lines) if (l.toLowerCase().includes(lower)) found.push(`log line holds ${c}: ${l.slice(0, 120)}`);
      for (const needle of [enc.encode(c), enc.encode(lower), utf16le(c)]) {
        for (const b of dump.blobs) if (indexOfBytes(b, needle) >= 0) found.push(`a stored blob holds ${c}`);
      }
    }
    expect(found).toEqual([]);
  });
});
