/** Milliseconds from a monotonic clock, for throughput and latency. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
