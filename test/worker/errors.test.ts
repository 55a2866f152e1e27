import { describe, expect, it } from "vitest";
import { errorResponse, GuardError } from "../../worker/errors";

async function render(err: GuardError, shape: "openai" | "anthropic") {
  const res = errorResponse(err, shape);
  expect(res.headers.get("content-type")).toBe("application/json");
  return { res, body: (await res.json()) as Record<string, unknown> };
}

describe("errorResponse shapes", () => {
  it("renders OpenAI's shape exactly, with param", async () => {
    const { res, body } = await render(GuardError.badRequest("invalid_json", "We could not parse the JSON body."), "openai");
    expect(res.status).toBe(400);
    expect(body).toStrictEqual({
      error: {
        message: "We could not parse the JSON body.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_json",
      },
    });
    // Key order as OpenAI sends it.
    expect(Object.keys(body.error as object)).toEqual(["message", "type", "param", "code"]);
  });

  it("renders Anthropic's shape exactly", async () => {
    const { res, body } = await render(GuardError.badRequest("invalid_json", "We could not parse the JSON body."), "anthropic");
    expect(res.status).toBe(400);
    expect(body).toStrictEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "We could not parse the JSON body." },
    });
  });

  it("carries the offending param in OpenAI's shape", async () => {
    const { body } = await render(GuardError.badRequest("invalid_type", "Bad.", "messages[0].content"), "openai");
    expect((body.error as Record<string, unknown>).param).toBe("messages[0].content");
  });
});

describe("constructors", () => {
  const cases: [string, GuardError, number, string, string][] = [
    ["missing key", GuardError.unauthorized("missing_api_key"), 401, "authentication_error", "missing_api_key"],
    ["invalid key", GuardError.unauthorized("invalid_api_key"), 401, "authentication_error", "invalid_api_key"],
    ["too large", GuardError.tooLarge(), 413, "invalid_request_error", "body_too_large"],
    ["media type", GuardError.unsupportedMediaType(), 415, "invalid_request_error", "unsupported_content_type"],
    ["method", GuardError.methodNotAllowed(), 405, "invalid_request_error", "method_not_allowed"],
    ["not found", GuardError.notFound("GET", "/v1/nope"), 404, "not_found_error", "not_found"],
    ["throttled", GuardError.throttled(30), 429, "rate_limit_error", "rate_limit_exceeded"],
    ["blocked", GuardError.blocked(3600), 403, "permission_error", "access_blocked"],
    ["bad gateway", GuardError.badGateway(), 502, "api_error", "upstream_error"],
    ["timeout", GuardError.gatewayTimeout(), 504, "api_error", "upstream_timeout"],
  ];

  for (const [name, err, status, type, code] of cases) {
    it(`${name}: ${status} ${type} in both shapes`, async () => {
      expect(err).toBeInstanceOf(Error);
      const openai = await render(err, "openai");
      expect(openai.res.status).toBe(status);
      expect(openai.body).toStrictEqual({ error: { message: err.message, type, param: null, code } });
      const anthropic = await render(err, "anthropic");
      expect(anthropic.res.status).toBe(status);
      expect(anthropic.body).toStrictEqual({ type: "error", error: { type, message: err.message } });
      expect(err.message.length).toBeGreaterThan(10);
    });
  }

  it("429 sends Retry-After in whole seconds, at least one, plus any extra headers", async () => {
    const err = GuardError.throttled(12.2, { "ratelimit-policy": '"burst";q=100;w=60', ratelimit: '"burst";r=0;t=13' });
    const res = errorResponse(err, "openai");
    expect(res.headers.get("retry-after")).toBe("13");
    expect(res.headers.get("ratelimit-policy")).toBe('"burst";q=100;w=60');
    expect(res.headers.get("ratelimit")).toBe('"burst";r=0;t=13');
    expect(errorResponse(GuardError.throttled(0), "openai").headers.get("retry-after")).toBe("1");
    expect(errorResponse(GuardError.throttled(Number.NaN), "openai").headers.get("retry-after")).toBe("1");
  });

  it("403 sends Retry-After only when the block expires", () => {
    expect(errorResponse(GuardError.blocked(600), "anthropic").headers.get("retry-after")).toBe("600");
    expect(errorResponse(GuardError.blocked(undefined), "anthropic").headers.has("retry-after")).toBe(false);
  });

  it("405 names the allowed method", () => {
    expect(errorResponse(GuardError.methodNotAllowed(), "openai").headers.get("allow")).toBe("POST");
  });

  it("withHeaders adds headers after construction", () => {
    const err = GuardError.throttled(5).withHeaders({ ratelimit: '"x";r=0;t=5' });
    const res = errorResponse(err, "anthropic");
    expect(res.headers.get("ratelimit")).toBe('"x";r=0;t=5');
    expect(res.headers.get("retry-after")).toBe("5");
  });

  it("content-type cannot be overridden by extra headers", () => {
    const err = GuardError.badGateway().withHeaders({ "Content-Type": "text/html" });
    expect(errorResponse(err, "openai").headers.get("content-type")).toBe("application/json");
  });

  it("messages never reveal numbers beyond the retry wait", () => {
    for (const err of [GuardError.blocked(undefined), GuardError.tooLarge(), GuardError.unauthorized()]) {
      expect(err.message).not.toMatch(/\d/);
    }
    expect(GuardError.throttled(42).message).toMatch(/42 seconds/);
    expect(GuardError.throttled(1).message).toMatch(/1 second\b/);
  });
});
