/**
 * The operator dashboard at /_guard/: one static page, put together from worker/dashboard/*.html
 * (bundled as Text modules, so there is no build step): the markup and style, then one inline
 * script per part (shared helpers, overview, campaign page and its actions, subjects, wiring). It holds no data; it
 * calls the operator API with the token the operator enters. Like the API it answers 404 when
 * ADMIN_TOKEN is unset. Each inline script and style is allowed by its hash in a strict
 * Content-Security-Policy, so nothing else can run on it. The charts are a few hand-drawn SVG
 * elements: a charting library would add a bundle bigger than the page for two chart types.
 */
import { REPORT_STYLE } from "../core/campaigns/report-html";
import campaign from "./dashboard/campaign.html";
import campaignActions from "./dashboard/campaign-actions.html";
import common from "./dashboard/common.html";
import shell from "./dashboard/dashboard.html";
import main from "./dashboard/main.html";
import overview from "./dashboard/overview.html";
import subjects from "./dashboard/subjects.html";
import type { GuardContext } from "./context";
import { errorResponse, GuardError } from "./errors";

/** Order matters: later scripts call what earlier ones declare, and the last one starts the page. */
const page = shell.replace("<!-- scripts -->", [common, overview, campaign, campaignActions, subjects, main].join(""));

let csp: Promise<string> | undefined;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

async function policy(): Promise<string> {
  const inline = (tag: string) => [...page.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => m[1]!);
  const scripts = await Promise.all(inline("script").map(sha256));
  // The printable evidence report is opened from a blob: URL, and such a document inherits this
  // policy, so its one inline style (the report's own, no script) is allowed here too.
  const styles = await Promise.all([...inline("style"), REPORT_STYLE].map(sha256));
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
