/**
 * The id of an idempotent request: a keyed hash of the account, method, path and query, the client's
 * `Idempotency-Key` and the body bytes. Binding the body means one key cannot stand for different
 * prompts. A key that is empty, longer than 255 characters or not printable ASCII is ignored (the
 * request is simply counted), as the header is advisory.
 */
import { hash64Hex, hashString, type HashKey } from "../core/hash";

const KEY_SHAPE = /^[\x20-\x7e]{1,255}$/;

function hex(bytes: ArrayBuffer): string {
  let out = "";
  for (const b of new Uint8Array(bytes)) out += b.toString(16).padStart(2, "0");
  return out;
}

export async function idempotencyId(request: Request, hashKey: HashKey, accountId: string, body: ArrayBuffer | null): Promise<string | null> {
  const key = request.headers.get("idempotency-key")?.trim();
  if (!key || !KEY_SHAPE.test(key)) return null;
  const url = new URL(request.url);
  const digest = body ? hex(await crypto.subtle.digest("SHA-256", body)) : "";
  const h = hashString(hashKey, `idempotency|${accountId}|${request.method} ${url.pathname}${url.search}|${key}|${digest}`);
  return hash64Hex(h);
}
