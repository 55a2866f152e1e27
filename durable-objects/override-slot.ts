/**
 * A subject object's override record, loaded with the object and written at once when an operator
 * changes it (operator actions are rare, and must survive a restart that follows right after).
 */
import type { Config } from "../core/config";
import { afterLift, denied, EMPTY_OVERRIDE, exempt, policyFor, quota, shadowed, type Override, type OverrideRecord } from "../core/override";
import { overrideRecordShape } from "./meta-shapes";
import type { SubjectStore } from "./persist";

const KEY = "override";

export class OverrideSlot {
  private rec: OverrideRecord;

  constructor(private readonly store: SubjectStore) {
    this.rec = store.getMeta(KEY, overrideRecordShape) ?? EMPTY_OVERRIDE;
  }

  get record(): OverrideRecord {
    return this.rec;
  }

  set(override: Override | null): void {
    this.rec = { ...this.rec, override };
    this.store.setMeta(KEY, this.rec);
  }

  /** After a lift: no extraction verdict before `until`, and a shadow entry ends. */
  grace(until: number | null): void {
    this.rec = { override: afterLift(this.rec.override), graceUntil: until };
    this.store.setMeta(KEY, this.rec);
  }

  denied(now: number): Override | null {
    return this.rec.override ? denied(this.rec, now) : null;
  }

  /** A shadow entry in force: verdicts are reached and reported as shadow verdicts, not enforced. */
  shadowed(now: number): boolean {
    return this.rec.override !== null && shadowed(this.rec, now);
  }

  exempt(now: number): boolean {
    return this.rec !== EMPTY_OVERRIDE && exempt(this.rec, now);
  }

  quota(now: number, name: "requests" | "tokens", fallback: number): number {
    return this.rec.override ? quota(this.rec, now, name, fallback) : fallback;
  }

  policy<T extends Pick<Config, "DISTINCT_PROMPT_BUDGET">>(now: number, cfg: T): T {
    return this.rec.override ? policyFor(this.rec, now, cfg) : cfg;
  }
}
