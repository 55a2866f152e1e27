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

function forwardHeaders(headers: Headers): Headers {
  const out = new Headers();
  const connectionListed = new Set((headers.get("connection") ?? "").split(",").map((s) => s.trim().toLowerCase()));
  headers.forEach((value, name) => {
    if (HOP_BY_HOP.has(name) || connectionListed.has(name) || name.startsWith("x-guard-")) return;
    out.append(name, value);
  });
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
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) });
  } catch (err) {
    if (signal?.aborted) throw err;
    const timedOut = abort.signal.aborted;
    console.error(JSON.stringify({ event: timedOut ? "upstream_timeout" : "upstream_error", error: String(err) }));
    throw timedOut ? GuardError.gatewayTimeout() : GuardError.badGateway();
  } finally {
    clearTimeout(timer);
  }
}
