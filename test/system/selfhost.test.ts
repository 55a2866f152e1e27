/**
 * `npm run selfhost`: the guard on workerd alone (no wrangler) in front of a local OpenAI-compatible
 * server, as a team running vLLM or llama.cpp would deploy it. It refuses production without an
 * upstream before starting anything; it serves, refuses a sweep, and after a SIGKILL of the whole
 * process group it resumes on the same state directory with the account's count and verdict.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../core/config";
import { freePort, type ServerProcess, sleep, startSelfhost } from "../../tools/launcher";
import { testHeaders } from "../../tools/test-headers";

const ROOT = resolve(fileURLToPath(import.meta.url), "..", "..", "..");
const TOKEN = "selfhost-test-admin-token";
const FLUSH_MS = 1000;
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

/** An OpenAI-compatible model server on loopback, like vLLM's: it counts what reaches it. */
function modelServer(): Promise<{ server: Server; url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      calls++;
      res.writeHead(200, { "content-type": "application/json", "x-upstream": "local-model" });
      res.end(
        JSON.stringify({
          id: "chatcmpl-local",
          object: "chat.completion",
          model: "local",
          choices: [{ index: 0, message: { role: "assistant", content: "An answer." }, finish_reason: "stop" }],
          usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
        }),
      );
    });
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, calls: () => calls })));
}

async function chat(base: string, key: string, content: string, time: number): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...testHeaders({ key, time, ua: "sweeper/1.0", ja4: "t13d_selfhost" }) },
    body: JSON.stringify({ model: "local", max_tokens: 8000, logprobs: true, messages: [{ role: "user", content }] }),
  });
}

async function operator(base: string, path: string, time: number, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { ...init, headers: { ...testHeaders({ key: TOKEN, time }), "content-type": "application/json" } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("npm run selfhost", () => {
  const dir = mkdtempSync(join(tmpdir(), "distill-guard-selfhost-"));
  let upstream: Awaited<ReturnType<typeof modelServer>>;
  let guard: ServerProcess | null = null;

  beforeAll(async () => {
    upstream = await modelServer();
  });
  afterAll(async () => {
    await guard?.crash();
    upstream.server.closeAllConnections();
    await new Promise<void>((done) => upstream.server.close(() => done()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses GUARD_ENV=production without UPSTREAM_URL before starting workerd, naming the var", async () => {
    const port = await freePort();
    const state = join(dir, "refused");
    const args = [join(ROOT, "eval", "run.mjs"), "scripts/selfhost.ts", "--port", String(port), "--state", state, "--var", "GUARD_ENV:production", "GUARD_SECRET:s"];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const code = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
    expect(stderr).toContain("UPSTREAM_URL must be set when GUARD_ENV is production");
    expect(code).toBe(2);
    // Nothing was generated or started.
    expect(existsSync(join(state, "workerd"))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it("serves through the local model, refuses a sweep, and keeps the account's state across a SIGKILL", async () => {
    const state = join(dir, "state");
    const vars = { ADMIN_TOKEN: TOKEN, GUARD_SECRET: "selfhost-test-secret", GUARD_TEST_MODE: "true", UPSTREAM_URL: upstream.url, FLUSH_INTERVAL_MS: String(FLUSH_MS) };
    const start = (n: number) => startSelfhost({ root: ROOT, state, vars, adminToken: TOKEN, logFile: join(dir, `selfhost-${n}.log`) });
    guard = await start(1);

    const served = await chat(guard.url, "sk-selfhost-user", "What is a good name for a cat?", T0);
    expect(served.status).toBe(200);
    expect(served.headers.get("x-upstream")).toBe("local-model");
    expect(served.headers.get("ratelimit-policy")).toBeTruthy();
    expect(((await served.json()) as { id: string }).id).toBe("chatcmpl-local");

    // A sweep of novel, harvesting, machine-paced prompts from one key, until the guard refuses it.
    const key = "sk-selfhost-sweeper";
    let time = T0;
    let refused: Response | null = null;
    for (let i = 0; i < 150 && !refused; i++) {
      time += 1500;
      const res = await chat(guard.url, key, `Q${i}: an exhaustive expert explanation of subtopic ${i * 7919} of metallurgy, with every formula.`, time);
      if (res.status === 403 || res.status === 429) refused = res;
      else {
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    }
    expect(refused, "the sweep was never refused").not.toBeNull();
    const status = refused!.status;
    expect(refused!.headers.get("x-should-retry")).toBe("false");
    const error = ((await refused!.json()) as { error: { type: string; code: string; message: string } }).error;
    expect(error.type).toBe(status === 403 ? "permission_error" : "rate_limit_error");
    expect(error.message).toEqual(expect.any(String));
    expect(error.code).toEqual(expect.any(String));

    const now = time + 1000;
    const found = await operator(guard.url, "/_guard/v1/accounts/lookup", now, { method: "POST", body: JSON.stringify({ key }) });
    expect(found.status).toBe(200);
    const id = found.body.account as string;
    await sleep(FLUSH_MS + 1000); // the flush interval, and its alarm's write
    const before = await operator(guard.url, `/_guard/v1/accounts/${id}`, now);
    expect(before.status).toBe(200);
    // Nothing is judged before the gate's minimum of fresh requests.
    expect(before.body.requests).toBeGreaterThanOrEqual(parseConfig({}).MIN_REQUESTS);
    expect((before.body.verdict as { action: string }).action).not.toBe("allow");

    await guard.crash();
    guard = await start(2);
    const after = await operator(guard.url, `/_guard/v1/accounts/${id}`, now);
    expect(after.status).toBe(200);
    expect(after.body.requests).toBe(before.body.requests);
    expect(after.body.distinct).toEqual(before.body.distinct);
    expect(after.body.verdict).toEqual(before.body.verdict);
    // And it still acts on what it remembers.
    const again = await chat(guard.url, key, "Q-next: one more novel question about metallurgy.", now + 1000);
    expect(again.status).toBe(status);
    await again.arrayBuffer();
  });
});
