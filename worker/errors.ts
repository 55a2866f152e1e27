/**
 * Every refusal the guard (or its mock upstream) sends, and the one place that renders it.
 *
 * The error `type` vocabulary is deliberately small and shared by both API shapes, so a caller
 * never has to know which API it is answering when it decides *what* went wrong:
 *
 * | type                    | statuses            | used for                                        |
 * | ----------------------- | ------------------- | ----------------------------------------------- |
 * | `invalid_request_error` | 400, 405, 413, 415  | malformed JSON/body, wrong method, size, type   |
 * | `authentication_error`  | 401                 | no key, malformed key                           |
 * | `permission_error`      | 403                 | blocked for systematic extraction               |
 * | `not_found_error`       | 404                 | unknown path                                    |
 * | `rate_limit_error`      | 429                 | a rate or budget is spent                       |
 * | `api_error`             | 502, 504            | upstream unreachable or too slow                |
 *
 * The 4xx types are fixed for both shapes (README, "What it answers"), so they are not translated per API even
 * where the real API would differ (OpenAI says `invalid_request_error` for a bad key, Anthropic
 * says `request_too_large` for 413). Anthropic's `overloaded_error` (529) is left out on purpose:
 * the guard never claims the model is overloaded; an upstream failure is an `api_error`.
 */
import type { ErrorShape } from "../core/types";

export type GuardErrorType = "invalid_request_error" | "authentication_error" | "permission_error" | "rate_limit_error" | "not_found_error" | "api_error";

export interface GuardErrorOptions {
  /** The offending request field, e.g. `messages[2].content`; rendered as OpenAI's `param`. */
  param?: string | null;
  /** Extra response headers (Retry-After, Allow, RateLimit…). */
  headers?: Record<string, string>;
}

export class GuardError extends Error {
  override readonly name = "GuardError";
  readonly status: number;
  readonly type: GuardErrorType;
  /** OpenAI-style machine code; Anthropic's shape has no code field, so it only shows there in `type`. */
  readonly code: string;
  readonly param: string | null;
  /** Mutable on purpose: the limiter adds RateLimit headers after the error is built. */
  readonly headers: Record<string, string>;

  constructor(status: number, type: GuardErrorType, code: string, message: string, options: GuardErrorOptions = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = options.param ?? null;
    this.headers = { ...options.headers };
  }

  /** Adds response headers and returns the same error, for chaining at the throw site. */
  withHeaders(headers: Record<string, string>): this {
    Object.assign(this.headers, headers);
    return this;
  }

  static badRequest(code: string, message: string, param: string | null = null): GuardError {
    return new GuardError(400, "invalid_request_error", code, message, { param });
  }

  static unauthorized(code: "missing_api_key" | "invalid_api_key" = "missing_api_key", message?: string): GuardError {
    const text = message ?? (code === "missing_api_key" ? "No API key provided. Send it as 'Authorization: Bearer YOUR_KEY' or 'x-api-key: YOUR_KEY'." : "The API key provided is malformed.");
    return new GuardError(401, "authentication_error", code, text);
  }

  static tooLarge(): GuardError {
    return new GuardError(413, "invalid_request_error", "body_too_large", "The request body is too large.");
  }

  static unsupportedMediaType(): GuardError {
    return new GuardError(415, "invalid_request_error", "unsupported_content_type", "Unsupported Content-Type: send the request body as 'application/json'.");
  }

  static methodNotAllowed(allow = "POST"): GuardError {
    return new GuardError(405, "invalid_request_error", "method_not_allowed", `This endpoint only accepts ${allow} requests.`, {
      headers: { allow },
    });
  }

  static notFound(method?: string, path?: string): GuardError {
    const what = method && path ? ` (${method} ${path})` : "";
    return new GuardError(404, "not_found_error", "not_found", `Unknown endpoint${what}.`);
  }

  /** 429. The wait is public (it is in Retry-After anyway); the limit that was hit is not. */
  static throttled(retryAfterSeconds: number, headers?: Record<string, string>): GuardError {
    const wait = retryAfterHeader(retryAfterSeconds);
    return new GuardError(429, "rate_limit_error", "rate_limit_exceeded", `Rate limit reached for this API key. Please try again in ${wait} ${wait === "1" ? "second" : "seconds"}.`, {
      headers: { ...headers, "retry-after": wait },
    });
  }

  /** 403. Retry-After only when the block expires; reasons and scores are never said. */
  static blocked(retryAfterSeconds: number | undefined, headers?: Record<string, string>): GuardError {
    const extra: Record<string, string> = { ...headers };
    if (retryAfterSeconds !== undefined) extra["retry-after"] = retryAfterHeader(retryAfterSeconds);
    return new GuardError(
      403,
      "permission_error",
      "access_blocked",
      retryAfterSeconds !== undefined
        ? "Access has been temporarily suspended because this traffic violates the usage policy. See the Retry-After header."
        : "Access has been suspended because this traffic violates the usage policy.",
      { headers: extra },
    );
  }

  static badGateway(): GuardError {
    return new GuardError(502, "api_error", "upstream_error", "The upstream API could not be reached. Please try again.");
  }

  static gatewayTimeout(): GuardError {
    return new GuardError(504, "api_error", "upstream_timeout", "The upstream API took too long to answer. Please try again.");
  }
}

/** Whole seconds, at least 1: a fractional or zero Retry-After invites an immediate retry storm. */
function retryAfterHeader(seconds: number): string {
  return String(Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 1);
}

/** The one formatter: renders a GuardError in the calling API's own error shape. */
export function errorResponse(err: GuardError, shape: ErrorShape): Response {
  const body = shape === "anthropic" ? { type: "error", error: { type: err.type, message: err.message } } : { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
  const headers = new Headers(err.headers);
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status: err.status, headers });
}
