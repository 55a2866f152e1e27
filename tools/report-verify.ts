/**
 * Verifies a saved evidence report (the JSON of `GET /_guard/v1/campaigns/{id}/report`) with Node's
 * crypto, independently of the guard: Ed25519 over the RFC 8785 canonical JSON of `payload`.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import canonicalize from "canonicalize";

export interface Verification {
  ok: boolean;
  /** What was checked, or why it could not be. */
  detail: string;
  /** True when the key came from the report itself (it then proves integrity, not origin). */
  embeddedKey: boolean;
}

/** A public key as PEM (SPKI), a JWK, or the JSON `GET /_guard/v1/evidence-key` answers. */
export function publicKeyFrom(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith("{")) {
    const o = JSON.parse(t) as { jwk?: object; pem?: string; kty?: string };
    if (o.kty) return createPublicKey({ key: o as import("node:crypto").JsonWebKey, format: "jwk" });
    if (o.jwk) return createPublicKey({ key: o.jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    if (o.pem) return createPublicKey(o.pem);
    throw new Error("the JSON holds no key (expected a JWK, or `jwk`/`pem` fields)");
  }
  return createPublicKey(t);
}

export function verifyReport(report: unknown, publicKey?: KeyObject): Verification {
  const r = report as { algorithm?: unknown; signature?: unknown; payload?: unknown; publicKey?: { pem?: unknown } | null };
  if (typeof r !== "object" || r === null || r.payload === undefined) return { ok: false, detail: "not an evidence report: no `payload`", embeddedKey: false };
  if (typeof r.signature !== "string") return { ok: false, detail: "the report is not signed (`signature` is null)", embeddedKey: false };
  if (r.algorithm !== "Ed25519") return { ok: false, detail: `unsupported algorithm ${String(r.algorithm)}`, embeddedKey: false };
  let key = publicKey;
  const embeddedKey = key === undefined;
  if (!key) {
    if (typeof r.publicKey?.pem !== "string") return { ok: false, detail: "no public key given and none in the report", embeddedKey };
    key = createPublicKey(r.publicKey.pem);
  }
  if (key.asymmetricKeyType !== "ed25519") return { ok: false, detail: `the public key is ${key.asymmetricKeyType}, not Ed25519`, embeddedKey };
  const canonical = canonicalize(r.payload);
  if (canonical === undefined) return { ok: false, detail: "the payload has no JSON form", embeddedKey };
  const ok = verify(null, Buffer.from(canonical, "utf8"), key, Buffer.from(r.signature, "base64"));
  return { ok, detail: ok ? "signature valid" : "signature INVALID: the payload or signature was altered, or another key signed it", embeddedKey };
}
