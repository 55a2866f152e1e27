/**
 * The Worker of tables 3 and 7 (`npm run bench` starts it with the project's wrangler.toml, so the
 * Durable Objects and their bindings are the deployed ones). It drives the guard objects over RPC from
 * inside workerd, where a load generator outside would measure itself:
 *
 *   POST /account?name=&n=&concurrency=   n observations into one AccountGuard, `concurrency` in flight
 *   POST /hotkey?rate=&seconds=&shards=&accounts=   one fingerprint shared by many accounts, offered at
 *        `rate` per second, spread over its shards by account hash as worker/decide.ts does
 *   GET  /hotkey/merged?shards=   each shard's merged view, after their flush alarms have exchanged
 *
 * Observations are synthetic (bench/streams.ts): every prompt new, as in a sweep, which is the most
 * work an observation can cause.
 */
import { hashKeyFromWords, hashWords } from "../core/hash";
import { HyperLogLog } from "../core/hyperloglog";
import { FINGERPRINT_SCHEMA } from "../durable-objects/schemas";
import type { AccountObservation, FingerprintObservation } from "../durable-objects/protocol";
import { shardOf } from "../worker/decide";
import { accountObservation, fingerprintObservation, Rng, SWEEP } from "./streams";

export * from "../worker/index";

interface Bindings {
  ACCOUNT_GUARD: Env["ACCOUNT_GUARD"];
  FINGERPRINT_GUARD: Env["FINGERPRINT_GUARD"];
}

const HOT_FINGERPRINT = "sbenchhotkey00001";
const KEY = hashKeyFromWords(0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0);

function num(url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name);
  return v === null ? fallback : Number(v);
}

async function accountLoad(env: Bindings, url: URL): Promise<unknown> {
  const name = url.searchParams.get("name") ?? "bench-account";
  const n = num(url, "n", 10_000);
  const concurrency = num(url, "concurrency", 16);
  const stub = env.ACCOUNT_GUARD.getByName(name);
  const rng = new Rng(num(url, "seed", 1));
  const pool: AccountObservation[] = Array.from({ length: 1024 }, () => accountObservation(rng, SWEEP, 0));
  let sent = 0;
  const t0 = Date.now();
  const worker = async (): Promise<void> => {
    while (sent < n) {
      const i = sent++;
      const obs = pool[i % pool.length]!;
      // a new prompt every time: fresh hashes over the pool's shapes
      const prompt = { ...obs.prompt!, prompt: [rng.u32(), rng.u32()] as [number, number], shingles: obs.prompt!.shingles.map(() => rng.u32()) };
      await stub.observe({ ...obs, now: Date.now(), prompt });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = Date.now() - t0;
  return { n, ms };
}

async function accountView(env: Bindings, url: URL): Promise<unknown> {
  const view = await env.ACCOUNT_GUARD.getByName(url.searchParams.get("name") ?? "bench-account").view(Date.now());
  return { requests: view.requests, storage: view.storage, prompts: view.distinct.prompts };
}

async function hotkey(env: Bindings, url: URL): Promise<unknown> {
  const rate = num(url, "rate", 5000);
  const seconds = num(url, "seconds", 3);
  const shards = num(url, "shards", 4);
  const accounts = num(url, "accounts", 50_000);
  const rng = new Rng(num(url, "seed", 7));
  const stubs = Array.from({ length: shards }, (_, s) => env.FINGERPRINT_GUARD.getByName(`${HOT_FINGERPRINT}/${s}`));
  // the unsharded reference: every account hash and prompt, in one sketch each
  const refAccounts = new HyperLogLog(FINGERPRINT_SCHEMA.sketches.accounts);
  const refPrompts = new HyperLogLog(FINGERPRINT_SCHEMA.sketches.prompts);
  const seen = new Set<number>();
  const perShard = new Array<number>(shards).fill(0);
  /** completed observations per shard per second */
  const perSecond: number[][] = Array.from({ length: shards }, () => []);
  const inFlight = new Set<Promise<void>>();
  let offered = 0;
  let failed = 0;
  const t0 = Date.now();
  const end = t0 + seconds * 1000;
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - t0) / 1000) * rate);
    while (offered < due) {
      offered++;
      const a = rng.below(accounts);
      seen.add(a);
      // the account's keyed hash, as worker/guard.ts computes it from the account id
      const h = hashWords(KEY, [a], 0, 1);
      const account: [number, number] = [h.hi, h.lo];
      const shard = shardOf(account, shards);
      const obs: FingerprintObservation = fingerprintObservation(rng, SWEEP, Date.now(), account);
      refAccounts.insert(account[0], account[1]);
      refPrompts.insert(obs.prompt.prompt[0], obs.prompt.prompt[1]);
      const p: Promise<void> = stubs[shard]!.observe(obs).then(
        () => {
          perShard[shard]!++;
          const sec = Math.floor((Date.now() - t0) / 1000);
          perSecond[shard]![sec] = (perSecond[shard]![sec] ?? 0) + 1;
        },
        () => void failed++,
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    // a timer turn lets answers arrive and the clock move
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inFlight);
  const ms = Date.now() - t0;
  return { offered, ms, perShard, perSecond, failed, accounts: seen.size, reference: { accounts: refAccounts.estimate(), prompts: refPrompts.estimate() } };
}

async function hotkeyMerged(env: Bindings, url: URL): Promise<unknown> {
  const shards = num(url, "shards", 4);
  const views = [];
  for (let s = 0; s < shards; s++) {
    const v = await env.FINGERPRINT_GUARD.getByName(`${HOT_FINGERPRINT}/${s}`).view(Date.now());
    views.push({ shard: s, requests: v.requests, accounts: v.distinct.accounts, prompts: v.distinct.prompts });
  }
  return views;
}

export default {
  async fetch(request: Request, env: Bindings): Promise<Response> {
    const url = new URL(request.url);
    let out: unknown;
    if (url.pathname === "/account") out = await accountLoad(env, url);
    else if (url.pathname === "/account/view") out = await accountView(env, url);
    else if (url.pathname === "/hotkey") out = await hotkey(env, url);
    else if (url.pathname === "/hotkey/merged") out = await hotkeyMerged(env, url);
    else return new Response("not found", { status: 404 });
    return Response.json(out);
  },
};
