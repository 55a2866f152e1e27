/**
 * fast-check arbitraries for whole HTTP requests to the guard: well-formed bodies of the four
 * inspected formats with fields replaced by values of the wrong type, deleted or duplicated, then
 * serialised wrongly (truncated, bytes spliced in, lone surrogates, deep nesting, huge strings and
 * arrays), sent with odd content types and encodings, and missing, duplicated or oversized headers.
 */
import fc from "fast-check";

const INSPECTED = ["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages"] as const;
const OTHER_PATHS = [
  "/v1/models",
  "/v1/embeddings",
  "/v1/files/file-abc",
  "/",
  "/v1/chat/completions/",
  "/V1/MESSAGES",
  "/v1/messages?beta=true",
  "/%ff%fe/..%2f",
  "/v1/responses/resp_1/cancel",
  "/_guard/",
  "/_guard/v1/flagged",
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A well-formed body of each format that touches every field the parsers read. */
export function template(path: string): Json {
  switch (path) {
    case "/v1/chat/completions":
      return {
        model: "m",
        messages: [
          { role: "system", content: "You are terse." },
          { role: "developer", content: [{ type: "text", text: "Answer in English." }] },
          { role: "user", content: "What is a prime number?" },
          { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "t1", content: "42" },
          {
            role: "user",
            content: [
              { type: "text", text: "And 7?" },
              { type: "image_url", image_url: { url: "https://example.com/a.png" } },
            ],
          },
        ],
        max_tokens: 64,
        max_completion_tokens: 64,
        temperature: 0.2,
        n: 2,
        logprobs: true,
        top_logprobs: 2,
        stream: false,
        stream_options: { include_usage: true },
        user: "end-user-1",
        safety_identifier: "sid-1",
      };
    case "/v1/completions":
      return { model: "m", prompt: ["Say hi", "Say bye", [1, 2, 3], 7], max_tokens: 16, n: 1, logprobs: 2, user: "u", stream: false };
    case "/v1/responses":
      return {
        model: "m",
        instructions: "Be brief.",
        input: [
          { role: "developer", content: "Use metric units." },
          {
            role: "user",
            content: [
              { type: "input_text", text: "How far is the moon?" },
              { type: "input_image", image_url: "https://example.com/m.png" },
            ],
          },
          { type: "function_call_output", call_id: "c1", output: "384400" },
          { role: "assistant", content: "About 384 400 km." },
          { role: "user", content: "And the sun?" },
        ],
        max_output_tokens: 100,
        include: ["message.output_text.logprobs"],
        safety_identifier: "sid",
        metadata: { k: "v" },
        stream: false,
      };
    default:
      return {
        model: "m",
        max_tokens: 128,
        system: [{ type: "text", text: "You are a helpful assistant." }],
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Look this up." },
              {
                type: "tool_result",
                tool_use_id: "t",
                content: [
                  { type: "text", text: "result" },
                  { type: "image", source: {} },
                ],
              },
            ],
          },
          { role: "assistant", content: [{ type: "text", text: "Done." }] },
          { role: "user", content: "Thanks, and now?" },
        ],
        metadata: { user_id: "u-1" },
        temperature: 1,
        stream: false,
      };
  }
}

/** Every path (list of keys/indexes) to a value inside `v`, the root included. */
function pathsOf(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v))
    v.forEach((x, i) => {
      pathsOf(x, [...at, i], out);
    });
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  const clone = structuredClone(root) as Json;
  let node = clone as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return clone;
}

const LONE = ["\ud800", "\udfff", "\udc00x\ud83d", "a\ud83d"];

/** Values of every JSON type, including the awkward ones. */
const wrongValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -0, 0.5, 2 ** 53 + 1, "", [], {}, [null], { type: "text" }, { text: 5 }, "\u0000", "\ufeff"),
  fc.string({ maxLength: 40, unit: "binary" }),
  fc.constantFrom(...LONE),
  fc.double().map((d) => (Number.isFinite(d) ? d : 0)),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null)), { maxLength: 6 }),
);

export interface BodyPlan {
  kind: "json" | "truncated" | "spliced" | "surrogate-bytes" | "bom" | "utf16" | "deep" | "huge-string" | "huge-array" | "oversized" | "empty" | "garbage" | "dup-keys";
  bytes: Uint8Array;
}

const enc = new TextEncoder();

function utf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) & 0xff;
    out[2 * i + 1] = s.charCodeAt(i) >>> 8;
  }
  return out;
}

/** A body: a mutated template, then one of the serialisation faults. */
function bodyArb(path: string): fc.Arbitrary<BodyPlan> {
  const base = template(path);
  const all = pathsOf(base);
  const mutation = fc.record({ at: fc.nat(all.length - 1), op: fc.constantFrom("replace", "replace", "delete", "keep"), value: wrongValue });
  const mutated = fc.array(mutation, { minLength: 0, maxLength: 3 }).map((ms) => {
    let body = base;
    for (const m of ms) {
      const paths = pathsOf(body);
      const at = paths[m.at % paths.length]!;
      if (m.op === "replace") body = setAt(body, at, m.value);
      else if (m.op === "delete" && at.length > 0) body = setAt(body, at, undefined);
    }
    return body;
  });
  return fc.oneof(
    { weight: 6, arbitrary: mutated.map((b): BodyPlan => ({ kind: "json", bytes: enc.encode(JSON.stringify(b)) })) },
    {
      weight: 2,
      arbitrary: fc.tuple(mutated, fc.double({ min: 0, max: 1, noNaN: true })).map(([b, f]): BodyPlan => {
        const s = JSON.stringify(b);
        return { kind: "truncated", bytes: enc.encode(s.slice(0, Math.floor(s.length * f))) };
      }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(mutated, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([b, at, junk]): BodyPlan => {
        const s = enc.encode(JSON.stringify(b));
        const i = at % (s.length + 1);
        const out = new Uint8Array(s.length + junk.length);
        out.set(s.subarray(0, i));
        out.set(junk, i);
        out.set(s.subarray(i), i + junk.length);
        return { kind: "spliced", bytes: out };
      }),
    },
    {
      // A lone surrogate encoded the way a careless encoder does (CESU-style ED A0 80): invalid UTF-8.
      weight: 1,
      arbitrary: fc.constantFrom([0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xc0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]).map((junk): BodyPlan => {
        const pre = enc.encode(`{"model":"m","max_tokens":5,"prompt":"x`);
        const post = enc.encode(`y","messages":[{"role":"user","content":"x`);
        const tail = enc.encode(`"}],"input":"z"}`);
        return { kind: "surrogate-bytes", bytes: new Uint8Array([...pre, ...junk, ...post, ...junk, ...tail]) };
      }),
    },
    { weight: 1, arbitrary: mutated.map((b): BodyPlan => ({ kind: "bom", bytes: new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode(JSON.stringify(b))]) })) },
    { weight: 1, arbitrary: mutated.map((b): BodyPlan => ({ kind: "utf16", bytes: utf16le(JSON.stringify(b)) })) },
    {
      // Deep nesting in a field the parsers read, or in one they only pass through.
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 100, max: 100_000 }), fc.constantFrom("[", "{"), fc.constantFrom("messages", "prompt", "input", "metadata", "system", "tools", "stream_options"))
        .map(([depth, open, field]): BodyPlan => {
          const inner = open === "[" ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
          const b = JSON.stringify(template(path)).replace(/}$/, `,"${field}":${inner}}`);
          return { kind: "deep", bytes: enc.encode(b) };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 10_000, max: 1_000_000 }), fc.constantFrom("a", "é", "字 ", "😀", "\\ud800", "\\u0000", " ", "\\n")).map(([n, unit]): BodyPlan => {
        const text = unit.repeat(Math.max(1, Math.floor(n / Math.max(1, unit.length * 2))));
        const b = JSON.stringify(template(path))
          .replace('"What is a prime number?"', `"${text}"`)
          .replace('"Say hi"', `"${text}"`)
          .replace('"How far is the moon?"', `"${text}"`)
          .replace('"Thanks, and now?"', `"${text}"`);
        return { kind: "huge-string", bytes: enc.encode(b) };
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1000, max: 100_000 }), fc.constantFrom('{"role":"user","content":"x"}', "1", '"s"', "null", '{"type":"text","text":"t"}', "[]"))
        .map(([n, item]): BodyPlan => {
          const arr = `[${Array(n).fill(item).join(",")}]`;
          const field = path === "/v1/completions" ? "prompt" : path === "/v1/responses" ? "input" : "messages";
          return { kind: "huge-array", bytes: enc.encode(`{"model":"m","max_tokens":5,"${field}":${arr}}`) };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 2 * 1024 * 1024 + 1, max: 3 * 1024 * 1024 }).map((n): BodyPlan => ({ kind: "oversized", bytes: enc.encode(`{"model":"m","prompt":"${"x".repeat(n)}"}`) })),
    },
    { weight: 1, arbitrary: fc.constant<BodyPlan>({ kind: "empty", bytes: new Uint8Array(0) }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes): BodyPlan => ({ kind: "garbage", bytes })) },
    {
      // Duplicated keys: JSON.parse keeps the last, so the same text can be read two ways by two parsers.
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom("messages", "prompt", "input", "model", "system", "max_tokens", "__proto__", "constructor"), wrongValue).map(([k, v]): BodyPlan => {
        const b = JSON.stringify(template(path))
          .replace(/^{/, `{"${k}":${JSON.stringify(v)},`)
          .replace(/}$/, `,"${k}":${JSON.stringify(v)}}`);
        return { kind: "dup-keys", bytes: enc.encode(b) };
      }),
    },
  );
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json; charset=utf-16",
  "application/vnd.api+json",
  "application/problem+json;q=0.5",
  "text/plain",
  "text/json",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
  "application/octet-stream",
  "",
  ";;;",
  "application/json, text/plain",
  "application/" + "x".repeat(5000) + "+json",
  "json",
];

const ENCODINGS = [null, "gzip", "deflate", "br", "identity", "gzip, gzip", "x-unknown", "chunked"];

/** Printable latin-1 header values (what HTTP can carry; fetch refuses CR, LF and NUL). */
const headerValue = (max: number) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.string({ maxLength: max, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }) },
    // A few obs-text (0x80–0xff) values: workerd warns about each, so they are kept rare.
    { weight: 1, arbitrary: fc.constantFrom("sk-\u00e9\u00fc", "\u00ff\u00fe", "caf\u00e9 1.0", "\u0080") },
  );

export interface FuzzRequest {
  path: string;
  method: string;
  headers: [string, string][];
  body: BodyPlan | null;
  /** Send the body as a stream of chunks of these sizes (no content-length), else in one piece. */
  chunks: number[] | null;
}

const KEYS = Array.from({ length: 400 }, (_, i) => `sk-fuzz-${i.toString(36)}-key`);

const authHeaders: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...KEYS).map((k): [string, string][] => [["authorization", `Bearer ${k}`]]) },
  { weight: 3, arbitrary: fc.constantFrom(...KEYS).map((k): [string, string][] => [["x-api-key", k]]) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.constant<[string, string][]>([]),
      fc.constant<[string, string][]>([["authorization", "Bearer "]]),
      fc.constant<[string, string][]>([["authorization", "Basic dXNlcjpwYXNz"]]),
      fc.constant<[string, string][]>([["authorization", `Bearer ${"k".repeat(600)}`]]),
      fc.constant<[string, string][]>([["authorization", "Bearer sk-é-ü"]]),
      fc.constant<[string, string][]>([["authorization", "bearer \t sk-fuzz-0-key \t"]]),
      fc.constant<[string, string][]>([
        ["authorization", "Bearer sk-fuzz-1-key"],
        ["authorization", "Bearer sk-fuzz-2-key"],
      ]),
      fc.constant<[string, string][]>([
        ["x-api-key", "sk-fuzz-3-key"],
        ["x-api-key", "sk-fuzz-4-key"],
      ]),
      fc.constant<[string, string][]>([["x-api-key", ""]]),
      fc.constant<[string, string][]>([
        ["authorization", "Bearer sk-fuzz-5-key"],
        ["x-api-key", "sk-fuzz-6-key"],
      ]),
      headerValue(200).map((v): [string, string][] => [["authorization", v]]),
      headerValue(100).map((v): [string, string][] => [["x-api-key", v]]),
    ),
  },
);

const extraHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      "x-guard-test-time",
      "x-guard-test-ja4",
      "x-guard-test-asn",
      "cf-connecting-ip",
      "user-agent",
      "idempotency-key",
      "x-forwarded-for",
      "connection",
      "te",
      "accept-encoding",
      "accept",
      "anthropic-version",
      "openai-organization",
      "content-length",
    ),
    fc.oneof(
      headerValue(64),
      fc.constantFrom("0", "-1", "1e3", "99999999999999999999", "1767225600000", "::1", "1.2.3.4", "256.1.1.1", "2001:db8::1", "fe80::1%eth0", "close, x-api-key", "trailers", " "),
    ),
  ),
  fc.tuple(
    fc.constantFrom("x-guard-test-ja4", "user-agent", "idempotency-key", "x-oversized"),
    fc.integer({ min: 1000, max: 64_000 }).map((n) => "v".repeat(n)),
  ),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/), headerValue(64)),
);

export const requestArb: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...INSPECTED) }, { weight: 2, arbitrary: fc.constantFrom(...OTHER_PATHS) }),
    fc.oneof({ weight: 12, arbitrary: fc.constant("POST") }, { weight: 2, arbitrary: fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD") }),
    authHeaders,
    fc.oneof({ weight: 6, arbitrary: fc.constant("application/json") }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: fc.constant(null) }),
    fc.option(fc.constantFrom(...ENCODINGS), { nil: null }),
    fc.array(extraHeader, { maxLength: 4 }),
    fc.nat(),
    // Sometimes the body arrives as a stream of odd-sized chunks (splitting UTF-8 sequences), without content-length.
    fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 8 }) }),
  )
  .chain(([path, method, auth, contentType, encoding, extra, seed, chunks]) => {
    const pathname = path.split("?")[0]!;
    const fmt = (INSPECTED as readonly string[]).includes(pathname) ? pathname : INSPECTED[seed % INSPECTED.length]!;
    return fc.option(bodyArb(fmt), { freq: 12, nil: null }).map((body): FuzzRequest => {
      const headers: [string, string][] = [...auth];
      // Mostly the right content type, so most requests get past it to the body; sometimes none.
      if (contentType !== null) headers.push(["content-type", contentType]);
      if (encoding) headers.push(["content-encoding", encoding]);
      headers.push(...extra);
      const noBody = method === "GET" || method === "HEAD";
      // Streamed bodies only where the guard reads them: a body it refuses unread (no key, wrong
      // method or type) makes workerd log the aborted test-side pipe, which is noise, not a finding.
      // (An oversized streamed body still logs it once: the guard stops reading at the limit.)
      const validKey = auth.length === 1 && /^(Bearer )?sk-fuzz-/.test(auth[0]![1]);
      const read = validKey && method === "POST" && fmt === pathname && contentType === "application/json";
      return { path, method, headers, body: noBody ? null : body, chunks: read ? chunks : null };
    });
  });

/** Builds the fetch arguments, or null when the platform itself cannot express the request. */
export function toRequest(r: FuzzRequest): Request | null {
  const headers = new Headers();
  try {
    for (const [k, v] of r.headers) headers.append(k, v);
  } catch {
    return null;
  }
  let body: BodyInit | undefined;
  if (r.body) {
    const bytes = r.body.bytes;
    if (r.chunks) {
      const sizes = r.chunks;
      body = new ReadableStream<Uint8Array>({
        start(controller) {
          let o = 0;
          for (let i = 0; o < bytes.length; i++) {
            const n = sizes[i % sizes.length]!;
            controller.enqueue(bytes.slice(o, o + n));
            o += n;
          }
          controller.close();
        },
      });
      headers.delete("content-length");
    } else body = bytes as Uint8Array<ArrayBuffer>;
  }
  try {
    return new Request(`http://guard.test${r.path}`, { method: r.method, headers, body });
  } catch {
    return null;
  }
}

export function describeRequest(r: FuzzRequest): string {
  const hs = r.headers.map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`).join(" | ");
  const b = r.body ? `${r.body.kind} ${r.body.bytes.length} B ${new TextDecoder().decode(r.body.bytes.slice(0, 160))}` : "no body";
  return `${r.method} ${r.path} [${hs}] ${b}${r.chunks ? ` chunks ${r.chunks.join(",")}` : ""}`;
}
