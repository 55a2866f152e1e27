/**
 * The operator dashboard at /_guard/: one static page (worker/dashboard/dashboard.html, bundled as a
 * Text module, so there is no build step). It holds no data; it calls the operator API with the token
 * the operator enters. Like the API it answers 404 when ADMIN_TOKEN is unset. The page's inline script
 * and style are allowed by hash in a strict Content-Security-Policy, so nothing else can run on it.
 */
import page from "./dashboard/dashboard.html";
import type { GuardContext } from "./context";
import { errorResponse, GuardError } from "./errors";

let csp: Promise<string> | undefined;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

async function policy(): Promise<string> {
  const inline = (tag: string) => [...page.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => m[1]!);
  const scripts = await Promise.all(inline("script").map(sha256));
  const styles = await Promise.all(inline("style").map(sha256));
  return [
    "default-src 'none'",
    `script-src ${scripts.join(" ")}`,
    `style-src ${styles.join(" ")}`,
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export async function handleDashboard(request: Request, _env: Env, _ctx: ExecutionContext, gc: GuardContext): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (!gc.cfg.ADMIN_TOKEN) return errorResponse(GuardError.notFound(request.method, path), "openai");
  if (request.method !== "GET" && request.method !== "HEAD") return errorResponse(GuardError.methodNotAllowed("GET"), "openai");
  csp ??= policy();
  return new Response(request.method === "HEAD" ? null : page, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": await csp,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
    },
  });
}
