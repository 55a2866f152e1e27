/**
 * Signing of evidence reports: Ed25519 (WebCrypto) over the RFC 8785 (JSON Canonicalization Scheme)
 * serialisation of the report's payload, as UTF-8. JCS fixes key order (UTF-16 code units) and
 * number form, so anyone can re-serialise the payload they hold and check the signature with the
 * published public key (scripts/verify-report.ts does it with Node's crypto). The serialisation is
 * the `canonicalize` package, the RFC's reference implementation, rather than hand-rolled rules.
 */
import canonicalize from "canonicalize";

export const SIGNATURE_ALGORITHM = "Ed25519";
export const CANONICALIZATION = "RFC 8785 (JCS), UTF-8";

export interface PublicKeyInfo {
  jwk: { kty: "OKP"; crv: "Ed25519"; x: string };
  /** SubjectPublicKeyInfo, PEM: what `openssl pkey -pubout` prints. */
  pem: string;
  /** First 16 hex digits of SHA-256 over the SPKI DER: names the key in reports. */
  keyId: string;
}

export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: PublicKeyInfo;
}

export class SigningKeyError extends Error {
  override name = "SigningKeyError";
}

export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new TypeError("value has no JSON form");
  return s;
}

const toB64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const b64url = (s: string) =>
  s
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(s.length / 4) * 4, "=");

function pem(label: string, der: Uint8Array): string {
  const lines = toB64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

async function importPrivate(secret: string): Promise<CryptoKey> {
  const s = secret.trim();
  const alg = { name: "Ed25519" };
  if (s.startsWith("{")) {
    const jwk = JSON.parse(s) as JsonWebKey;
    if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.d !== "string") throw new SigningKeyError("the JWK is not an Ed25519 private key (kty OKP, crv Ed25519, with d)");
    return crypto.subtle.importKey("jwk", jwk, alg, true, ["sign"]);
  }
  const body = s.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) throw new SigningKeyError("expected a PKCS#8 PEM, its base64 body, or a JWK");
  return crypto.subtle.importKey("pkcs8", fromB64(body), alg, true, ["sign"]);
}

/** Imports the secret and derives its published public key. Errors name the problem, never the key. */
export async function loadSigningKey(secret: string): Promise<SigningKey> {
  let privateKey: CryptoKey;
  try {
    privateKey = await importPrivate(secret);
  } catch (err) {
    if (err instanceof SigningKeyError) throw err;
    throw new SigningKeyError(`EVIDENCE_SIGNING_KEY is not an Ed25519 private key (${(err as Error).name})`);
  }
  const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  if (typeof jwk.x !== "string") throw new SigningKeyError("EVIDENCE_SIGNING_KEY: no public part could be derived");
  const pub = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, true, ["verify"]);
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pub)) as ArrayBuffer);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", spki));
  const keyId = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  return { privateKey, publicKey: { jwk: { kty: "OKP", crv: "Ed25519", x: jwk.x }, pem: pem("PUBLIC KEY", spki), keyId } };
}

export async function signPayload(key: SigningKey, payload: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(payload));
  return toB64(new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, bytes)));
}

/** Verifies with WebCrypto (for tests and any runtime with it); scripts/verify-report.ts uses Node's crypto. */
export async function verifyPayload(publicJwkX: string, payload: unknown, signatureB64: string): Promise<boolean> {
  const pub = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: publicJwkX }, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, pub, fromB64(b64url(signatureB64)), new TextEncoder().encode(canonicalJson(payload)));
}
