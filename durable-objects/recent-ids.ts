/**
 * The most recent account ids behind one fingerprint shard, for operators ("which accounts share this
 * client?"). Bounded, ids only. A new id or a newer time marks it for the next flush.
 */
const RECENT_IDS_MAX = 32;

export interface RecentId {
  id: string;
  lastSeen: number;
}

export class RecentIds {
  private ids: RecentId[] = [];
  private dirty = false;

  load(saved: RecentId[] | null): void {
    this.ids = Array.isArray(saved) ? saved.slice(0, RECENT_IDS_MAX) : [];
  }

  note(id: string, now: number): void {
    const known = this.ids.find((r) => r.id === id);
    if (known) {
      // A newer time marks the list too (flushes are coalesced, so this costs no extra writes per
      // request), so a restart after the flush interval shows the same times.
      if (now > known.lastSeen) {
        known.lastSeen = now;
        this.dirty = true;
      }
      return;
    }
    this.ids.push({ id, lastSeen: now });
    if (this.ids.length > RECENT_IDS_MAX) {
      this.ids.sort((a, b) => b.lastSeen - a.lastSeen);
      this.ids.length = RECENT_IDS_MAX;
    }
    this.dirty = true;
  }

  /** True once after a change, for the flush. */
  takeDirty(): boolean {
    const d = this.dirty;
    this.dirty = false;
    return d;
  }

  list(): RecentId[] {
    return this.ids.slice().sort((a, b) => b.lastSeen - a.lastSeen);
  }
}
