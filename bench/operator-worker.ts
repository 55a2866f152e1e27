/**
 * The Worker of table 8 (`npm run bench -- --only operators` starts it with the project's
 * wrangler.toml). It writes flagged reports or audit entries through the same routers the guard
 * objects and the operator API use (durable-objects/registry-shards.ts, audit-shards.ts), over a
 * fresh set of shard objects per run, then reads everything back through the merged reads:
 *
 *   POST /write?kind=flag|audit&shards=&n=&concurrency=&run=
 *
 * Each entry is a different account, as a fleet's verdicts are; `concurrency` writes are in flight,
 * as many subject objects report at once.
 */
import { auditOver } from "../durable-objects/audit-shards";
import { subjectShard } from "../durable-objects/operator-shards";
import { registryOver } from "../durable-objects/registry-shards";

export * from "../worker/index";

interface Bindings {
  GUARD_REGISTRY: Env["GUARD_REGISTRY"];
  AUDIT_LOG: Env["AUDIT_LOG"];
}

function num(url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name);
  return v === null ? fallback : Number(v);
}

const accountId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

async function write(env: Bindings, url: URL): Promise<unknown> {
  const kind = url.searchParams.get("kind") === "audit" ? "audit" : "flag";
  const shards = num(url, "shards", 1);
  const n = num(url, "n", 2000);
  const concurrency = num(url, "concurrency", 64);
  const run = url.searchParams.get("run") ?? "0";
  const count = async () => shards;
  const registry = registryOver((i) => env.GUARD_REGISTRY.getByName(`bench-${run}-${i}`), count);
  const log = auditOver((i) => env.AUDIT_LOG.getByName(`bench-${run}-${i}`), count);
  const ids = Array.from({ length: n }, accountId);
  const perShard = new Array<number>(shards).fill(0);
  for (const id of ids) perShard[subjectShard(id, shards)]!++;
  const t = Date.now();
  let next = 0;
  let failed = 0;
  const writer = async (): Promise<void> => {
    while (next < n) {
      const k = next++;
      const id = ids[k]!;
      const done =
        kind === "flag"
          ? registry.report({ kind: "account", id, action: "block", reasons: ["bench"], since: t + k, until: null, shadow: false })
          : log.record({ t: t + k, account: id, fingerprint: null, action: "throttle", cause: "extraction", reasons: ["bench"], signals: { score: 1 }, until: null, shadow: false, via: null });
      await done.catch(() => void failed++);
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, writer));
  const ms = Date.now() - t0;

  // Read back through the merged reads: the whole list, and the whole log in time order.
  const r0 = Date.now();
  let held = 0;
  let ordered = true;
  if (kind === "flag") {
    const list = await registry.flagged(t + n, n);
    held = list.accounts.length;
    ordered = list.accounts.every((e, i, a) => i === 0 || a[i - 1]!.updated >= e.updated);
  } else {
    let last = -Infinity;
    for await (const page of log.pages({ order: "asc" })) {
      for (const e of page) {
        ordered &&= e.t >= last;
        last = e.t;
      }
      held += page.length;
    }
  }
  const readMs = Date.now() - r0;
  return { kind, shards, n, ms, failed, held, ordered, readMs, busiest: Math.max(...perShard) / n };
}

export default {
  async fetch(request: Request, env: Bindings): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/write") return new Response("not found", { status: 404 });
    return Response.json(await write(env, url));
  },
};
