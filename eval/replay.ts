/**
 * The replay scheduler: sends scenario lines close to global time order while keeping several
 * requests in flight.
 *
 * Rules, so that what the guard sees is what it would see live:
 *  - one request at a time per key, in file order (the next request of a key leaves only after the
 *    previous one answered), as a client waiting for its answer would;
 *  - different keys interleave, at most `concurrency` requests in flight;
 *  - nothing is sent whose scenario time is more than `windowMs` after the oldest line not yet
 *    answered (sent or waiting), so concurrency never lets the replay run ahead in scenario time.
 */
import type { IndexedLine } from "./scenario";

export interface SchedulerOptions {
  concurrency: number;
  /** look-ahead in scenario time, ms */
  windowMs: number;
  /** at most this many lines read ahead of the oldest unanswered one (memory bound) */
  maxBuffered: number;
}

export const DEFAULT_SCHEDULER: SchedulerOptions = { concurrency: 16, windowMs: 60_000, maxBuffered: 4096 };

/** Lines without a key do not serialise with each other: each is its own "client". */
function serialKey(line: IndexedLine): string {
  return line.key ?? `\u0000line:${line.index}`;
}

export async function schedule<R>(
  lines: AsyncIterable<IndexedLine>,
  send: (line: IndexedLine) => Promise<R>,
  onResult: (line: IndexedLine, result: R) => void,
  options: SchedulerOptions = DEFAULT_SCHEDULER,
): Promise<void> {
  if (options.concurrency < 1) throw new RangeError("concurrency must be at least 1");
  const source = lines[Symbol.asyncIterator]();
  let next = await source.next();
  let pending: IndexedLine[] = [];
  const inflight = new Map<number, IndexedLine>();
  const busyKeys = new Set<string>();
  let failure: unknown;
  // A completion can land while we await the source, before anyone waits: keep it as a flag.
  let signalled = false;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    signalled = true;
    wake?.();
  };

  /** Scenario time of the oldest line not yet answered; undefined when there is none. */
  const frontier = (): number | undefined => {
    let t = pending.length > 0 ? pending[0]!.t : undefined;
    for (const line of inflight.values()) if (t === undefined || line.t < t) t = line.t;
    return t;
  };

  const dispatch = (line: IndexedLine): void => {
    const key = serialKey(line);
    inflight.set(line.index, line);
    busyKeys.add(key);
    send(line).then(
      (result) => {
        inflight.delete(line.index);
        busyKeys.delete(key);
        try {
          onResult(line, result);
        } catch (error) {
          failure ??= error;
        }
        signal();
      },
      (error: unknown) => {
        inflight.delete(line.index);
        busyKeys.delete(key);
        failure ??= error;
        signal();
      },
    );
  };

  for (;;) {
    if (failure !== undefined) throw failure;

    // Read ahead only as far as the window allows.
    while (!next.done && pending.length + inflight.size < options.maxBuffered) {
      const edge = frontier();
      if (edge !== undefined && next.value.t > edge + options.windowMs) break;
      pending.push(next.value);
      next = await source.next();
    }

    // Send, in file order, every line whose key is free and which lies within the window.
    const edge = frontier();
    if (edge !== undefined && pending.length > 0 && inflight.size < options.concurrency) {
      const waiting = new Set<string>();
      const rest: IndexedLine[] = [];
      let i = 0;
      for (; i < pending.length; i++) {
        const line = pending[i]!;
        if (inflight.size >= options.concurrency || line.t > edge + options.windowMs) break;
        const key = serialKey(line);
        // A key with an earlier line still waiting must not overtake it.
        if (busyKeys.has(key) || waiting.has(key)) {
          waiting.add(key);
          rest.push(line);
        } else {
          dispatch(line);
        }
      }
      if (rest.length !== i) pending = rest.concat(pending.slice(i));
    }

    if (inflight.size === 0) {
      if (pending.length === 0 && next.done) return;
      // Nothing in flight means the oldest pending line was sendable; only a read-ahead stop can get here.
      if (pending.length === 0) continue;
    }
    if (!signalled) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    wake = undefined;
    signalled = false;
  }
}
