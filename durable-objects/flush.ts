/**
 * Coalesced persistence: the first change after a flush arms an alarm FLUSH_INTERVAL_MS ahead; the
 * alarm writes everything changed since. Alarms are at-least-once, so a flush must be idempotent
 * (it is: rows are replaced, not appended).
 */
export class FlushScheduler {
  private armed = false;
  /** Storage rows written since the object started, for the benchmark's rows-per-request figure. */
  rowsWritten = 0;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly intervalMs: number,
  ) {}

  /** Arms the alarm unless it is already armed; call after every change. */
  touch(): void {
    if (this.armed) return;
    this.armed = true;
    // Not awaited: the output gate holds the response until the alarm is durably set.
    void this.storage.setAlarm(Date.now() + this.intervalMs);
  }

  /** Runs a flush now (from the alarm, or early for a verdict change). */
  run(write: () => number): void {
    this.armed = false;
    this.rowsWritten += write();
  }
}
