/**
 * Restarts lose nothing: starts `wrangler dev` with persistence, sends a mix of
 * traffic (ordinary users, a sweeping account that gets throttled and blocked, a campaign of fresh
 * keys behind one client fingerprint, pass-through calls, idempotent retries), reads the state back
 * through the operator API, waits for the flush interval, kills the server and workerd with SIGKILL,
 * starts again on the same state and checks that the operator API reports exactly the same requests,
 * sketch estimates and verdicts. Then it measures what a crash *inside* the flush interval loses.
 *
 *   npm run restart-check            (node eval/run.mjs scripts/restart-check.ts [--flush-ms 1000] [--selfhost])
 *
 * With `--selfhost` the same check runs against `npm run selfhost` (workerd alone, no wrangler).
 *
 * Exit code 0 when nothing was lost after the interval; 1 otherwise.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { testHeaders, type TestClient } from "../tools/test-headers";
import { freePort, type ServerProcess, sleep, snapshotSources, startSelfhost, startWranglerDev } from "../tools/launcher";

const ROOT = resolve(fileURLToPath(import.meta.url), "..", "..", "..");
const flagAt = process.argv.indexOf("--flush-ms");
const FLUSH_MS = flagAt > 0 ? Number(process.argv[flagAt + 1]) : 1000; // the documented default
const SELFHOST = process.argv.includes("--selfhost");
const SERVER = SELFHOST ? "selfhost" : "wrangler dev";
const TOKEN = "restart-check-admin-token";
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const STEP = 1500; // ms of test time between one key's requests

const log = (line: string) => process.stdout.write(`${line}\n`);

interface Sent {
  key: string;
  statuses: Map<number, number>;
}

const TOPICS = [
  "astronomy",
  "baking",
  "chess",
  "dentistry",
  "economics",
  "falconry",
  "geology",
  "harmony",
  "irrigation",
  "jurisprudence",
  "knitting",
  "linguistics",
  "metallurgy",
  "navigation",
  "optics",
  "pottery",
];

async function post(base: string, key: string, body: unknown, time: number, client: TestClient = {}, extra: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...testHeaders({ ...client, key, time }), ...extra },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const chat = (content: string, history: string[] = []) => ({
  model: "m",
  messages: [
    ...history.flatMap((h) => [
      { role: "user", content: h },
      { role: "assistant", content: "Sure." },
    ]),
    { role: "user", content },
  ],
});

/** Every kind of traffic the state has to remember. */
async function traffic(base: string, tag: string): Promise<Sent[]> {
  const sent: Sent[] = [];
  const track = (key: string) => {
    const s = { key, statuses: new Map<number, number>() };
    sent.push(s);
    return (status: number) => s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
  };
  const users = Array.from({ length: 4 }, (_, u) => async () => {
    const key = `sk-restart-${tag}-user-${u}`;
    const note = track(key);
    const ua = { ua: `chat-app/${u}.0`, ip: `198.51.100.${10 + u}`, ja4: `t13d_user_${u}` };
    for (let i = 0; i < 25; i++) {
      const history = i % 3 === 0 ? [] : [`Tell me about ${TOPICS[u]}`];
      note(await post(base, key, chat(`Follow-up ${i % 7} about ${TOPICS[u]}, please.`, history), T0 + i * STEP * 20, ua));
    }
    note(
      await fetch(`${base}/v1/models`, { headers: testHeaders({ key, time: T0 }) }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      }),
    );
  });
  const sweeper = async () => {
    const key = `sk-restart-${tag}-sweeper`;
    const note = track(key);
    for (let i = 0; i < 160; i++) {
      const topic = TOPICS[i % TOPICS.length];
      note(
        await post(
          base,
          key,
          { ...chat(`Q${i}: Write an exhaustive, expert-level explanation of ${topic} subtopic number ${i * 7919} with every formula.`), max_tokens: 8000, logprobs: true },
          T0 + i * STEP,
          { ua: "sweeper/1.0", ja4: "t13d_sweeper" },
        ),
      );
    }
  };
  const campaign = Array.from({ length: 12 }, (_, k) => async () => {
    const key = `sk-restart-${tag}-campaign-${k}`;
    const note = track(key);
    for (let i = 0; i < 12; i++) {
      const n = k * 12 + i;
      note(
        await post(base, key, chat(`Item ${n}: define the term "${TOPICS[n % TOPICS.length]}-${n}" in one paragraph.`), T0 + n * 400, {
          ua: "harvester/2.1",
          ja4: "t13d_campaign",
          asn: 64500,
          ip: "203.0.113.9",
        }),
      );
    }
  });
  const retries = async () => {
    const key = `sk-restart-${tag}-retries`;
    const note = track(key);
    for (let i = 0; i < 3; i++) note(await post(base, key, chat("An idempotent question."), T0 + i * 1000, {}, { "idempotency-key": "retry-me" }));
  };
  await Promise.all([...users.map((f) => f()), sweeper(), ...campaign.map((f) => f()), retries()]);
  return sent;
}

interface Snapshot {
  accounts: Record<string, unknown>;
  fingerprints: Record<string, unknown>;
  flagged: unknown;
}

async function operator(base: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(testHeaders({ key: TOKEN, time: T0 + 1_000_000 }))) headers.set(name, value);
  const res = await fetch(`${base}${path}`, { ...init, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** What the operator API says about every key sent and every fingerprint they used. */
async function snapshot(base: string, keys: string[]): Promise<Snapshot> {
  const accounts: Record<string, unknown> = {};
  const fps = new Set<string>();
  for (const key of keys) {
    const { status, body } = await operator(base, "/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key }) });
    if (status !== 200) throw new Error(`lookup of ${key} answered ${status}`);
    // `storage` counts rows written by this process, which a restart resets by design.
    const { storage: _storage, ...state } = body;
    accounts[key] = state;
    for (const fp of (body.fingerprints as string[]) ?? []) fps.add(fp);
  }
  const fingerprints: Record<string, unknown> = {};
  for (const fp of [...fps].sort()) {
    const { status, body } = await operator(base, `/_guard/v1/fingerprints/${fp}`);
    if (status !== 200) throw new Error(`fingerprint ${fp} answered ${status}`);
    fingerprints[fp] = body;
  }
  const flagged = (await operator(base, "/_guard/v1/flagged")).body;
  return { accounts, fingerprints, flagged };
}

/** Paths at which two JSON values differ. */
function differences(a: unknown, b: unknown, at = "", out: string[] = []): string[] {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    out.push(`${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  } else if (a && typeof a === "object") {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of keys) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`, out);
  } else if (a !== b) out.push(`${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  return out;
}

function summary(s: Snapshot): string {
  const acc = Object.values(s.accounts) as { requests: number; otherRequests: number; distinct: { prompts: number }; verdict: { action: string } }[];
  const requests = acc.reduce((n, a) => n + a.requests + a.otherRequests, 0);
  const prompts = acc.reduce((n, a) => n + a.distinct.prompts, 0);
  const verdicts = new Map<string, number>();
  for (const a of acc) verdicts.set(a.verdict.action, (verdicts.get(a.verdict.action) ?? 0) + 1);
  const fpVerdicts = new Map<string, number>();
  for (const f of Object.values(s.fingerprints) as { verdict: { action: string } }[]) fpVerdicts.set(f.verdict.action, (fpVerdicts.get(f.verdict.action) ?? 0) + 1);
  const flagged = s.flagged as { accounts: unknown[]; fingerprints: unknown[] };
  const fmt = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v}`).join(", ");
  return `${acc.length} accounts, ${requests} requests, ${Math.round(prompts * 10) / 10} distinct prompts (sum of estimates), account verdicts {${fmt(verdicts)}}, ${Object.keys(s.fingerprints).length} fingerprints {${fmt(fpVerdicts)}}, flagged ${flagged.accounts.length} accounts + ${flagged.fingerprints.length} fingerprints`;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "distill-guard-restart-"));
  const port = await freePort();
  // selfhost trusts no client-address header unless told; the traffic below sends CF-Connecting-IP.
  const vars = { GUARD_TEST_MODE: "true", ADMIN_TOKEN: TOKEN, GUARD_SECRET: "restart-check-secret", FLUSH_INTERVAL_MS: String(FLUSH_MS), CLIENT_IP_HEADER: "cf-connecting-ip" };
  const root = snapshotSources(ROOT, join(dir, "src"), SELFHOST ? ["eval/run.mjs", "scripts/selfhost.ts", "tools"] : []);
  const start = (n: number) => {
    const common = { root, port, vars, logFile: join(dir, `server-${n}.log`), adminToken: TOKEN };
    return SELFHOST ? startSelfhost({ ...common, state: join(dir, "state") }) : startWranglerDev({ ...common, persistTo: join(dir, "state") });
  };
  let ok = true;
  let dev: ServerProcess | null = null;
  try {
    log(`restart-check: ${SERVER} on 127.0.0.1:${port}, FLUSH_INTERVAL_MS=${FLUSH_MS}, state in ${dir}`);
    dev = await start(1);
    const sent = await traffic(dev.url, "a");
    const statuses = new Map<number, number>();
    for (const s of sent) for (const [k, v] of s.statuses) statuses.set(k, (statuses.get(k) ?? 0) + v);
    log(
      `sent: ${[...statuses]
        .sort()
        .map(([k, v]) => `${v}×${k}`)
        .join(", ")}`,
    );
    const keys = sent.map((s) => s.key);

    // Phase 1: wait out the flush interval (and the shard exchange that follows it), read the state,
    // then crash at once.
    await sleep(FLUSH_MS + 1000);
    const before = await snapshot(dev.url, keys);
    log(`before the crash: ${summary(before)}`);
    await dev.crash();
    log(`SIGKILL to ${SERVER} and workerd ${FLUSH_MS + 1000} ms after the last request; restarting on the same state`);
    dev = await start(2);
    const after = await snapshot(dev.url, keys);
    log(`after the restart: ${summary(after)}`);
    const diff = differences(before, after);
    if (diff.length) {
      ok = false;
      log(`LOST OR CHANGED (${diff.length}):\n  ${diff.slice(0, 30).join("\n  ")}`);
    } else log("identical: every account's requests, distinct counts, limits and verdict, every fingerprint and the flagged list");

    // Phase 2: what a crash inside the flush interval costs (a figure for the README, not a failure).
    const burstKey = "sk-restart-burst";
    const n = 40;
    for (let i = 0; i < n; i++) await post(dev.url, burstKey, chat(`Burst question ${i}`), T0 + 100_000 + i * 10);
    const seen = ((await operator(dev.url, "/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key: burstKey }) })).body.requests as number) ?? 0;
    await dev.crash();
    dev = await start(3);
    const kept = await operator(dev.url, "/_guard/v1/accounts/lookup", { method: "POST", body: JSON.stringify({ key: burstKey }) });
    const keptRequests = kept.status === 200 ? (kept.body.requests as number) : 0;
    log(`crash with no wait: ${seen} requests counted before the SIGKILL, ${keptRequests} after the restart (${seen - keptRequests} lost, all within the last ${FLUSH_MS} ms)`);
  } catch (err) {
    ok = false;
    log(`restart-check failed: ${String(err)}`);
  } finally {
    if (dev) await dev.crash();
  }
  const unavailable = [1, 2, 3].reduce((n, i) => {
    try {
      return n + readFileSync(join(dir, `server-${i}.log`), "utf8").split("state_unavailable").length - 1;
    } catch {
      return n;
    }
  }, 0);
  log(`state_unavailable lines in the server's logs: ${unavailable} (requests served under FAIL_MODE=open are not counted)`);
  if (ok && !process.argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
  else log(`state and server logs kept in ${dir}`);
  log(ok ? "restart-check: PASS" : "restart-check: FAIL");
  return ok ? 0 : 1;
}

process.exitCode = await main();
