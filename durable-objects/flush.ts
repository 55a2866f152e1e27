/**
 * Coalesced persistence with writes proportional to change. A request marks the object dirty
 * (`touch`) and, once its changes are made, `settle` decides how they reach storage:
 *
 * - an object that has not flushed for FLUSH_INTERVAL_MS (a lightly used one, or the first request
 *   after a quiet spell) writes at once, inside the request: one event instead of a request plus an
 *   alarm, and no alarm to set;
 * - a busy object arms one alarm for the end of the interval since its last flush, and requests that
 *   come while it is pending arm nothing, so it flushes at most once per interval.
 *
 * The pending alarm's time is kept in memory and read once from storage when the object starts
 * (`restore`), so a restart does not set it again. Alarms are at-least-once, so a flush must be
 * idempotent (it is: rows are replaced, not appended); an alarm that finds nothing dirty writes nothing.
 */
export interface FlushCounters {
  /** Storage rows written since the object started, for the benchmark's rows-per-request figure. */
  rowsWritten: number;
  /** setAlarm calls since the object started. */
  alarmsSet: number;
  /** Flushes that ran inside a request instead of on an alarm. */
  inlineFlushes: number;
}

export class FlushScheduler implements FlushCounters {
  rowsWritten = 0;
  alarmsSet = 0;
  inlineFlushes = 0;
  private alarmAt: number | null = null;
  private lastFlush = Number.NEGATIVE_INFINITY;
  private dirty = false;

  /**
   * @param write writes what changed since the last flush and returns the rows written
   * @param inline whether an idle object may flush inside the request (false when its alarm has
   *   other work than the flush, as a fingerprint shard's exchange with shard 0)
   */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly intervalMs: number,
    private readonly write: () => number,
    private readonly inline: () => boolean = () => true,
  ) {}

  /** The alarm time storage holds when the object starts (`getAlarm()`), so it is not set twice. */
  restore(alarmAt: number | null): void {
    this.alarmAt = alarmAt;
  }

  /** Marks the object changed; call `settle` once the request's changes are made. */
  touch(): void {
    this.dirty = true;
  }

  /** Persists or schedules what `touch` marked: at once when idle, else on one pending alarm. */
  settle(now = Date.now()): void {
    if (!this.dirty || this.alarmAt !== null) return;
    const inline = this.inline();
    if (inline && now - this.lastFlush >= this.intervalMs) {
      this.inlineFlushes++;
      this.run(now);
      return;
    }
    this.alarmAt = inline ? Math.max(now, this.lastFlush + this.intervalMs) : now + this.intervalMs;
    this.alarmsSet++;
    // Not awaited: the output gate holds the response until the alarm is durably set.
    void this.storage.setAlarm(this.alarmAt);
  }

  /** Runs a flush now (a verdict change, an operator's edit); a pending alarm stays and finds less to do. */
  run(now = Date.now()): void {
    this.dirty = false;
    this.lastFlush = now;
    this.rowsWritten += this.write();
  }

  /** The alarm fired: flushes what is dirty; true when it wrote. */
  alarm(now = Date.now()): boolean {
    this.alarmAt = null;
    if (!this.dirty) return false;
    this.run(now);
    return true;
  }
}
