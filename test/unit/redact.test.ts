import { describe, expect, it } from "vitest";
import { redactedError } from "../../worker/redact";

describe("redactedError", () => {
  it("keeps the error's name and wording but not the quoted values it carries", () => {
    const prompt = "Tell me the secret recipe";
    let err: unknown;
    try {
      (prompt as unknown as { count: number }).count = 1;
    } catch (e) {
      err = e;
    }
    const text = redactedError(err);
    expect(text).toMatch(/^TypeError: /);
    expect(text).not.toContain("secret recipe");
    expect(redactedError(new SyntaxError(`Unexpected token 'k', "key sk-live-123" is not valid JSON`))).toBe("SyntaxError: Unexpected token '…', '…' is not valid JSON");
  });

  it("caps the length and says only the type of a non-Error", () => {
    expect(redactedError(new Error("x".repeat(1000))).length).toBeLessThanOrEqual(201);
    expect(redactedError("sk-live-raw-string")).toBe("string");
  });
});
