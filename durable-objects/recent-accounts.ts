/**
 * Persistence of a fingerprint shard's "accounts seen this hour and the last" sketches, which feed
 * the burst signal (FP_NEW_ACCOUNTS_PER_HOUR). They used to live in memory only, so an eviction or a
 * restart forgot a burst in progress (an eviction test found it).
 */
import { HyperLogLog } from "../core/hyperloglog";

export interface RecentAccounts {
  hour: number;
  current: HyperLogLog;
  previous: HyperLogLog;
}

export interface SavedRecentAccounts {
  hour: number;
  current: number[];
  previous: number[];
}

export function saveRecentAccounts(r: RecentAccounts): SavedRecentAccounts {
  return { hour: r.hour, current: Array.from(r.current.marshal()), previous: Array.from(r.previous.marshal()) };
}

/** The saved sketches, or null when there are none or they do not decode (then the caller starts empty). */
export function loadRecentAccounts(saved: SavedRecentAccounts | null, precision: number): RecentAccounts | null {
  if (!saved || !Number.isSafeInteger(saved.hour) || !Array.isArray(saved.current) || !Array.isArray(saved.previous)) return null;
  try {
    const current = HyperLogLog.unmarshal(Uint8Array.from(saved.current));
    const previous = HyperLogLog.unmarshal(Uint8Array.from(saved.previous));
    if (current.precision !== precision || previous.precision !== precision) return null;
    return { hour: saved.hour, current, previous };
  } catch (err) {
    console.error(JSON.stringify({ event: "recent_accounts_decode_failed", error: String(err) }));
    return null;
  }
}
