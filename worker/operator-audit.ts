/**
 * The audit trail through the operator API: a paged JSON query (newest first) and a JSON Lines export
 * (oldest first, streamed page by page so an export of any size stays within memory). Both read
 * every shard of the log and merge them in time order (durable-objects/audit-shards.ts).
 */
import type { IRequest, RouterType } from "itty-router";
import { auditLog } from "../durable-objects/audit";
import { AUDIT_PAGE_MAX, type AuditQuery } from "../durable-objects/audit-log";
import type { GuardContext } from "./context";
import { GuardError } from "./errors";
import { json } from "./operator-json";
import { accountId, fingerprintId } from "./subject-ids";

type Args = [Env, ExecutionContext, GuardContext];

const CURSOR = /^\d{1,16}:\d{1,16}$/;

/** ms since the Unix epoch, or an ISO 8601 date. */
export function timeParam(p: URLSearchParams, name: string): number | undefined {
  const raw = p.get(name);
  if (raw === null || raw === "") return undefined;
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(t) || t < 0) throw GuardError.badRequest("invalid_value", `\`${name}\` must be ms since the Unix epoch or an ISO 8601 date.`, name);
  return t;
}

function queryOf(url: URL, order: AuditQuery["order"]): AuditQuery {
  const p = url.searchParams;
  const q: AuditQuery = { limit: 100, order };
  const account = p.get("account");
  const fingerprint = p.get("fingerprint");
  if (account) q.account = accountId(account);
  if (fingerprint) q.fingerprint = fingerprintId(fingerprint);
  q.from = timeParam(p, "from");
  q.to = timeParam(p, "to");
  const limit = p.get("limit");
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isSafeInteger(n) || n < 1 || n > AUDIT_PAGE_MAX) throw GuardError.badRequest("invalid_value", `\`limit\` must be an integer from 1 to ${AUDIT_PAGE_MAX}.`, "limit");
    q.limit = n;
  }
  const after = p.get("after");
  if (after) {
    if (!CURSOR.test(after)) throw GuardError.badRequest("invalid_value", "`after` must be a cursor from a previous page's `next`.", "after");
    q.after = after;
  }
  return q;
}

function exportStream(env: Env, q: AuditQuery): ReadableStream<Uint8Array> {
  const pages = auditLog(env).pages(q);
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const page = await pages.next();
      if (page.done) return controller.close();
      controller.enqueue(encoder.encode(page.value.map((e) => JSON.stringify(e)).join("\n") + "\n"));
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
}

export function auditRoutes(router: RouterType<IRequest, Args>): void {
  router
    .get("/audit", async (req, env) => json(await auditLog(env).query(queryOf(new URL(req.url), "desc"))))
    .get("/audit.jsonl", (req, env) => {
      const q = queryOf(new URL(req.url), "asc");
      const name = `distill-guard-audit-${new Date(req.now as number).toISOString().slice(0, 10)}.jsonl`;
      return new Response(exportStream(env, q), {
        headers: { "content-type": "application/x-ndjson", "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" },
      });
    });
}
