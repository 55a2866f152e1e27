/**
 * Sends scenario lines to the running guard over HTTP/1.1 keep-alive.
 *
 * Why node:http rather than fetch: the replay is CPU-bound on a 2-core machine shared with workerd,
 * and undici's fetch costs several times more client CPU per request than a bare keep-alive request.
 */
import { Agent, request } from "node:http";
import { nowMs } from "../tools/clock";
import type { ScenarioLine } from "./scenario";
import type { Endpoint } from "../tools/launcher";
import { testHeaders } from "../tools/test-headers";

const encoder = new TextEncoder();

export interface GuardAnswer {
  /** 0 when no answer came back */
  status: number;
  /** raw `x-guard-debug` header, if any */
  debug?: string;
  latencyMs: number;
  /** body bytes read: answers, streamed ones included, are consumed to the end */
  bytes: number;
  error?: string;
}

/** The request headers for a line: JSON and the test-mode headers of its client and time. */
export function lineHeaders(line: ScenarioLine): Record<string, string> {
  return { "content-type": "application/json", ...testHeaders({ time: line.t, key: line.key, ua: line.ua, ip: line.ip, ja4: line.ja4, asn: line.asn }) };
}

export class GuardClient {
  readonly #agent: Agent;
  readonly #endpoint: Endpoint;
  readonly #timeoutMs: number;

  constructor(endpoint: Endpoint, maxSockets: number, timeoutMs = 120_000) {
    this.#endpoint = endpoint;
    this.#timeoutMs = timeoutMs;
    this.#agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  async send(line: ScenarioLine): Promise<GuardAnswer> {
    const body = encoder.encode(JSON.stringify(line.body ?? null));
    const headers: Record<string, string | number> = {
      ...lineHeaders(line),
      ...this.#endpoint.headers(line.path),
      "content-length": body.byteLength,
    };
    const started = nowMs();
    for (let attempt = 1; ; attempt++) {
      const answer = await this.#once(line.path, headers, body);
      // A kept-alive socket the server closed just as we reused it fails before the request was read:
      // safe to send again, once. Any other failure is recorded as "no answer".
      if (answer.retry && attempt === 1) continue;
      return { status: answer.status, debug: answer.debug, bytes: answer.bytes, error: answer.error, latencyMs: nowMs() - started };
    }
  }

  #once(path: string, headers: Record<string, string | number>, body: Uint8Array): Promise<Omit<GuardAnswer, "latencyMs"> & { retry?: boolean }> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (answer: Omit<GuardAnswer, "latencyMs"> & { retry?: boolean }): void => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      const req = request({ host: this.#endpoint.host, port: this.#endpoint.port, method: "POST", path, headers, agent: this.#agent }, (res) => {
        const debugHeader = res.headers["x-guard-debug"];
        const debug = Array.isArray(debugHeader) ? debugHeader[0] : debugHeader;
        let bytes = 0;
        res.on("data", (chunk) => {
          bytes += chunk.byteLength;
        });
        res.on("end", () => finish({ status: res.statusCode ?? 0, debug, bytes }));
        res.on("error", (error) => finish({ status: 0, bytes, error: error.message }));
      });
      req.setTimeout(this.#timeoutMs, () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      req.on("error", (error: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE");
        finish({ status: 0, bytes: 0, error: error.message, retry: stale });
      });
      req.write(body);
      req.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
