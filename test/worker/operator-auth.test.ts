/**
 * The operator API's gate over HTTP: every path answers the same 401, with the
 * same body, to a missing, wrong, shorter, longer or misplaced token, before it looks at the request
 * (so a malformed id or body does not reveal that the path exists); the right token passes.
 */
import { describe, expect, it } from "vitest";
import { operator } from "../support/client";

const TOKEN = "test-admin-token";
const BAD: { name: string; headers: Record<string, string>; token?: string | null }[] = [
  { name: "missing", headers: {}, token: null },
  { name: "wrong, same length", headers: {}, token: "test-admin-tokeX" },
  { name: "a prefix", headers: {}, token: TOKEN.slice(0, 4) },
  { name: "longer", headers: {}, token: `${TOKEN}${TOKEN}` },
  { name: "10 kB", headers: {}, token: "t".repeat(10_000) },
  { name: "different case", headers: {}, token: TOKEN.toUpperCase() },
  { name: "Basic scheme", headers: { authorization: `Basic ${TOKEN}` }, token: null },
  { name: "empty Bearer", headers: { authorization: "Bearer " }, token: null },
  { name: "in x-api-key", headers: { "x-api-key": TOKEN }, token: null },
];

const PATHS: [string, RequestInit][] = [
  ["/_guard/v1/flagged", {}],
  ["/_guard/v1/accounts/not-an-id", {}],
  ["/_guard/v1/accounts/lookup", { method: "POST", body: "not json" }],
  ["/_guard/v1/fingerprints/zzz", {}],
  ["/_guard/v1/no-such-path", {}],
];

describe("operator token over HTTP", () => {
  it("answers one identical 401 to every bad token on every path", async () => {
    const bodies = new Set<string>();
    for (const [path, init] of PATHS) {
      for (const bad of BAD) {
        const res = await operator(path, { ...init, headers: bad.headers, token: bad.token });
        expect(res.status, `${bad.name} on ${path}`).toBe(401);
        bodies.add(await res.text());
      }
    }
    expect(bodies.size).toBe(1);
    expect(JSON.parse([...bodies][0]!)).toMatchObject({ error: { type: "authentication_error" } });
  });

  it("lets the right token through to the route's own answer", async () => {
    expect((await operator("/_guard/v1/flagged")).status).toBe(200);
    expect((await operator("/_guard/v1/accounts/not-an-id")).status).toBe(400);
    expect((await operator("/_guard/v1/no-such-path")).status).toBe(404);
  });
});
