/**
 * A closed-loop HTTP/1.1 load generator: `concurrency` keep-alive connections, each sending its next
 * request as soon as the previous answer has been read to the end. Latency is measured per request
 * with the monotonic clock (autocannon, also installed, records whole milliseconds, too coarse for
 * ratios of a few percent).
 */
import { Agent, request } from "node:http";
import { nowMs } from "../tools/clock";
import { percentile } from "./report";

export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface LoadTarget {
  host: string;
  port: number;
  headers(path: string): Record<string, string>;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Map<number, number>;
  errors: number;
}

export interface LoadPlan {
  concurrency: number;
  /** stop sending after this long */
  seconds: number;
  /** or after this many requests */
  count?: number;
  /** index of the first request to send (requests are sent in order, wrapping around) */
  start?: number;
}

export async function runLoad(target: LoadTarget, requests: readonly LoadRequest[], plan: LoadPlan): Promise<LoadResult> {
  const { concurrency, seconds, start = 0 } = plan;
  const end = plan.count === undefined ? Infinity : start + plan.count;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let next = start;
  const t0 = nowMs();
  const deadline = t0 + seconds * 1000;

  const one = (r: LoadRequest): Promise<void> =>
    new Promise((resolve) => {
      const began = nowMs();
      const headers: Record<string, string | number> = { ...r.headers, ...target.headers(r.path), "content-length": r.body.byteLength };
      const req = request({ host: target.host, port: target.port, method: "POST", path: r.path, headers, agent }, (res) => {
        res.on("data", () => {});
        res.on("end", () => {
          latencies.push(nowMs() - began);
          const s = res.statusCode ?? 0;
          statuses.set(s, (statuses.get(s) ?? 0) + 1);
          resolve();
        });
        res.on("error", () => {
          errors++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.write(r.body);
      req.end();
    });

  const loop = async (): Promise<void> => {
    while (nowMs() < deadline && next < end) await one(requests[next++ % requests.length]!);
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (nowMs() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    statuses,
    errors,
  };
}
