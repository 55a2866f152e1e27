/**
 * Forwards an allowed request to UPSTREAM_URL unchanged (method, path, query, body bytes, headers
 * other than hop-by-hop ones and the guard's own test headers) and streams the answer back as it
 * arrives. A failing upstream is a 502 and a silent one a 504, in the API's error shape.
 */
import { GuardError } from "./errors";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"]);

function upstreamUrl(base: string, request: Request): string {
  const incoming = new URL(request.url);
  const target = new URL(base);
  const prefix = target.pathname.replace(/\/$/, "");
  target.pathname = prefix + incoming.pathname;
  target.search = incoming.search;
  return target.toString();
}

/**
 * The client's own Accept-Encoding goes upstream, and `identity` when it sent none: without one the
 * runtime's fetch asks for gzip itself, and the answer reached a client that never asked for it gzipped.
 */
export function forwardHeaders(headers: Headers): Headers {
  const out = new Headers();
  const connectionListed = new Set((headers.get("connection") ?? "").split(",").map((s) => s.trim().toLowerCase()));
  headers.forEach((value, name) => {
    if (HOP_BY_HOP.has(name) || connectionListed.has(name) || name.startsWith("x-guard-")) return;
    out.append(name, value);
  });
  if (!out.get("accept-encoding")?.trim()) out.set("accept-encoding", "identity");
  return out;
}

/** Codings the runtime's fetch decodes by itself, so an answer in one of them can be passed on decoded. */
const DECODED_BY_RUNTIME = new Set(["gzip", "x-gzip", "br"]);

/** Whether an Accept-Encoding value admits `coding` (RFC 9110: listed or `*`, with a non-zero q). */
export function acceptsEncoding(accept: string | null, coding: string): boolean {
  let star: boolean | null = null;
  for (const part of (accept ?? "").split(",")) {
    const [name = "", ...params] = part.split(";").map((x) => x.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    const ok = q === undefined || Number(q.slice(2)) > 0;
    if (name === coding) return ok;
    if (name === "*") star = ok;
  }
  return star ?? false;
}

/**
 * The answer's headers as the client may read them: an upstream that compressed in a coding the
 * client did not accept (ignoring `identity`) has had its body decoded by the runtime, so the
 * answer goes out uncompressed rather than re-encoded in that coding.
 */
export function answerHeaders(upstream: Headers, clientAccept: string | null): Headers {
  const out = new Headers(upstream);
  const coding = (upstream.get("content-encoding") ?? "").trim().toLowerCase();
  if (coding && DECODED_BY_RUNTIME.has(coding) && !acceptsEncoding(clientAccept, coding)) {
    out.delete("content-encoding");
    out.delete("content-length");
  }
  return out;
}

/** `signal` lets the caller cancel the request (an early start refused by the verdict); that is not logged. */
export async function forward(request: Request, body: ArrayBuffer | null, base: string, timeoutMs: number, signal?: AbortSignal): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error("upstream timeout")), timeoutMs);
  signal?.addEventListener("abort", () => abort.abort(signal.reason));
  try {
    const res = await fetch(upstreamUrl(base, request), {
      method: request.method,
      headers: forwardHeaders(request.headers),
      body: body ?? (request.method === "GET" || request.method === "HEAD" ? undefined : request.body),
      signal: abort.signal,
      redirect: "manual",
    });
    // The answer body streams straight through; only the header wait is bounded.
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: answerHeaders(res.headers, request.headers.get("accept-encoding")) });
  } catch (err) {
    if (signal?.aborted) throw err;
    const timedOut = abort.signal.aborted;
    console.error(JSON.stringify({ event: timedOut ? "upstream_timeout" : "upstream_error", error: String(err) }));
    throw timedOut ? GuardError.gatewayTimeout() : GuardError.badGateway();
  } finally {
    clearTimeout(timer);
  }
}
