/**
 * The request headers of the guard's test mode (GUARD_TEST_MODE=true), built in one place for the
 * evaluation, the scripts and the tests: the scenario's clock, the TLS and network facts a real
 * edge would supply, and the client's key. Runtime-free: used in workerd tests as well as on Node.
 */

export interface TestClient {
  /** API key, sent as `authorization: Bearer <key>` */
  key?: string;
  /** scenario time in ms since the epoch (x-guard-test-time) */
  time?: number;
  /** JA4 TLS fingerprint (x-guard-test-ja4) */
  ja4?: string;
  /** client network's AS number (x-guard-test-asn) */
  asn?: number;
  /** client address (cf-connecting-ip) */
  ip?: string;
  /** user-agent */
  ua?: string;
}

/** Only the fields that are set become headers. */
export function testHeaders(client: TestClient): Record<string, string> {
  const headers: Record<string, string> = {};
  if (client.key !== undefined) headers.authorization = `Bearer ${client.key}`;
  if (client.time !== undefined) headers["x-guard-test-time"] = String(client.time);
  if (client.ja4 !== undefined) headers["x-guard-test-ja4"] = client.ja4;
  if (client.asn !== undefined) headers["x-guard-test-asn"] = String(client.asn);
  if (client.ip !== undefined) headers["cf-connecting-ip"] = client.ip;
  if (client.ua !== undefined) headers["user-agent"] = client.ua;
  return headers;
}
