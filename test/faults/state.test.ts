/**
 * A Durable Object that throws, stalls past STATE_TIMEOUT_MS or is overloaded.
 * Runs in two projects: workerd-faults-closed (FAIL_MODE=closed, FAIL_MODE_OTHER=open) and
 * workerd-faults-open (the reverse), so each path kind is seen failing both ways. Open: the request
 * is served and a `state_unavailable` line is logged. Closed: 429 with Retry-After in the API's
 * shape, logged the same way. Never a 5xx from the guard, never a wait much past the timeout.
 * A fingerprint object that fails is skipped in either mode: the account's object decides alone.
 * (workerd prints the injected exceptions as "Uncaught (in promise)" on the object's side; the
 * Worker receives them as rejected RPC calls.)
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { accountIdFor } from "../../worker/identity";
import { chat, freshKey, messages, send } from "../support/client";
import { faults, type Fault } from "./switch";

const bindings = env as unknown as Record<"GUARD_SECRET" | "FAIL_MODE" | "FAIL_MODE_OTHER" | "STATE_TIMEOUT_MS", string>;
const TIMEOUT = Number(bindings.STATE_TIMEOUT_MS);
const lines: string[] = [];

beforeEach(() => {
  lines.length = 0;
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  faults.stallMs = TIMEOUT * 10;
});

afterEach(() => {
  vi.restoreAllMocks();
  faults.accounts.clear();
  faults.fingerprints = null;
});

const cases: { kind: "inspected" | "other"; mode: string; request: (key: string) => Promise<Response>; anthropic: boolean }[] = [
  { kind: "inspected", mode: bindings.FAIL_MODE, request: (key) => send("/v1/chat/completions", chat("What is the boiling point of water?"), { key }), anthropic: false },
  { kind: "inspected", mode: bindings.FAIL_MODE, request: (key) => send("/v1/messages", messages("Name three rivers."), { key }), anthropic: true },
  { kind: "other", mode: bindings.FAIL_MODE_OTHER, request: (key) => send("/v1/models", null, { key, method: "GET" }), anthropic: false },
];

describe(`a failing account object (FAIL_MODE=${bindings.FAIL_MODE}, FAIL_MODE_OTHER=${bindings.FAIL_MODE_OTHER})`, () => {
  for (const fault of ["throw", "stall", "overload"] as Fault[]) {
    for (const c of cases) {
      it(`${fault} on an ${c.kind} path (${c.anthropic ? "Anthropic" : "OpenAI"} shape) fails ${c.mode}`, async () => {
        const key = freshKey(`fault-${fault}`);
        faults.accounts.set(await accountIdFor(bindings.GUARD_SECRET, key), fault);
        const t0 = Date.now();
        const res = await c.request(key);
        const elapsed = Date.now() - t0;
        const text = await res.text();

        expect(res.status).toBeLessThan(500);
        if (c.mode === "open") {
          expect(res.status).toBe(200);
          expect(res.headers.get("x-upstream")).toBe("test"); // it reached the upstream
        } else {
          expect(res.status).toBe(429);
          expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
          const body = JSON.parse(text) as { type?: string; error: { type: string } };
          expect(body.error.type).toBe("rate_limit_error");
          if (c.anthropic) expect(body.type).toBe("error");
        }
        const logged = lines.map((l) => JSON.parse(l) as { event: string; failMode?: string }).filter((l) => l.event === "state_unavailable");
        expect(logged).toHaveLength(1);
        expect(logged[0]!.failMode).toBe(c.mode);
        if (fault === "stall") {
          expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 5);
          expect(elapsed).toBeLessThan(TIMEOUT + 1500);
        }
      });
    }
  }

  it("recovers once the object answers again: the next request is counted and served normally", async () => {
    const key = freshKey("fault-recover");
    const id = await accountIdFor(bindings.GUARD_SECRET, key);
    faults.accounts.set(id, "throw");
    await send("/v1/chat/completions", chat("first"), { key });
    faults.accounts.delete(id);
    const res = await send("/v1/chat/completions", chat("second"), { key });
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit")).toMatch(/"requests";r=\d+/);
  });
});

describe("a failing fingerprint object", () => {
  for (const fault of ["throw", "stall", "overload"] as Fault[]) {
    it(`${fault}: the account decides alone and the failure is logged`, async () => {
      faults.fingerprints = fault;
      const res = await send("/v1/chat/completions", chat("Explain photosynthesis briefly."), { key: freshKey("fp-fault"), ua: "fault-test/1.0", ja4: "t13d1516h2_fault", ip: "198.51.100.7" });
      expect(res.status).toBe(200);
      await res.text();
      const logged = lines.filter((l) => l.includes('"state_unavailable"'));
      expect(logged.length).toBeGreaterThanOrEqual(1);
      expect(logged.every((l) => l.includes("fingerprint state") || l.includes("injected") || l.includes("overloaded"))).toBe(true);
    });
  }
});
