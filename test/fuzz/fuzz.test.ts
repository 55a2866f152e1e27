/**
 * Property-based fuzzing of the whole Worker: at least 10,000 generated requests
 * with a fixed seed, sent through the Worker's own fetch handler in concurrent batches. Every answer
 * must be a 4xx in the calling API's error shape or a pass-through (2xx from the mock upstream):
 * never a 5xx, never a rejected fetch, and never a `guard_error` (an unexpected exception turned into
 * a 502) or `state_unavailable` (a Durable Object call that threw) on the console.
 */
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { describeRequest, requestArb, toRequest, type FuzzRequest } from "./fuzz-requests";

const SEED = 0x6775617264; // "guard"
const RUNS = 10_000;
const BATCH = 48;

interface Failure {
  request: string;
  problem: string;
}

const console_: string[] = [];
const print = console.log.bind(console);
const spies: ReturnType<typeof vi.spyOn>[] = [];

const unhandled: string[] = [];
const onUnhandled = (e: PromiseRejectionEvent) => void unhandled.push(String(e.reason));

beforeAll(() => {
  addEventListener("unhandledrejection", onUnhandled);
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level].bind(console);
    spies.push(
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        console_.push(args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.name}: ${a.message}` : JSON.stringify(a))).join(" "));
        if (level === "error") original(...args);
      }),
    );
  }
});

afterAll(() => {
  removeEventListener("unhandledrejection", onUnhandled);
  for (const s of spies) s.mockRestore();
});

function shapeProblem(path: string, status: number, text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${status} with a body that is not JSON: ${text.slice(0, 120)}`;
  }
  const anthropic = new URL(`http://x${path}`).pathname === "/v1/messages";
  const b = body as { type?: unknown; error?: { type?: unknown; message?: unknown; code?: unknown } };
  if (typeof b !== "object" || b === null || typeof b.error !== "object" || b.error === null) return `status ${status} without an error object`;
  if (typeof b.error.type !== "string" || typeof b.error.message !== "string") return `status ${status}: error lacks type or message`;
  if (anthropic && b.type !== "error") return `status ${status}: not Anthropic's error shape`;
  if (!anthropic && !("code" in b.error)) return `status ${status}: not OpenAI's error shape`;
  return null;
}

async function check(r: FuzzRequest, req: Request, statuses: Map<number, number>): Promise<Failure | null> {
  let res: Response;
  try {
    res = await exports.default.fetch(req);
  } catch (err) {
    return { request: describeRequest(r), problem: `fetch rejected: ${String(err)}` };
  }
  const text = await res.text();
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (res.status >= 500) return { request: describeRequest(r), problem: `status ${res.status}: ${text.slice(0, 200)}` };
  if (res.status >= 200 && res.status < 300) return null;
  if (res.status >= 400 && res.status < 500) {
    if (r.method === "HEAD") return null;
    const problem = shapeProblem(r.path, res.status, text);
    return problem ? { request: describeRequest(r), problem } : null;
  }
  return { request: describeRequest(r), problem: `unexpected status ${res.status}` };
}

describe("fuzzed requests through the Worker", () => {
  it(`answers ${RUNS} generated requests with a 4xx in the API's shape or a pass-through, never a 5xx`, async () => {
    const failures: Failure[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    let skipped = 0;
    for (let batch = 0; sent + skipped < RUNS; batch++) {
      // Sampled batch by batch (fixed seed per batch) so at most one batch of bodies is in memory.
      const requests = fc.sample(requestArb, { numRuns: Math.min(BATCH, RUNS - sent - skipped), seed: SEED + batch });
      await Promise.all(
        requests.map(async (r) => {
          const req = toRequest(r);
          if (req === null) {
            skipped++; // not expressible over HTTP (fetch refuses the header or method)
            return;
          }
          const f = await check(r, req, statuses);
          sent++;
          if (f) failures.push(f);
        }),
      );
    }
    const summary = [...statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}: ${n}`)
      .join(", ");
    print(`fuzz: ${sent} requests sent, ${skipped} not expressible; statuses ${summary}`);
    const lines = console_.filter((l) => /guard_error|state_unavailable|Uncaught|epoch_decode_failed|adopt_failed|registry_report_failed/.test(l));
    expect({ failures: failures.slice(0, 10), count: failures.length }).toEqual({ failures: [], count: 0 });
    expect(lines.slice(0, 10)).toEqual([]);
    expect(unhandled.slice(0, 10)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(RUNS * 0.95);
  }, 300_000);
});
