/**
 * Persistence of a fingerprint shard's copies of the other shards' window unions ("peers"). They
 * used to live in memory only, so after an eviction or a restart a shard judged on its own figures
 * until the next exchange, and its verdict signals changed (found by scripts/restart-check.ts).
 * They are written when an exchange brings new ones, which is at most once per flush interval.
 */
import { Epoch, type WindowSchema } from "../core/window";

export interface SavedPeer {
  shard: number;
  /** the union epoch's bytes, base64 */
  data: string;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function unbase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function savePeers<S extends string, C extends string>(peers: Map<number, Epoch<S, C>>): SavedPeer[] {
  return [...peers].map(([shard, e]) => ({ shard, data: base64(e.marshal()) }));
}

/** The saved peers; one that does not decode is logged and skipped (the next exchange brings it back). */
export function loadPeers<S extends string, C extends string>(schema: WindowSchema<S, C>, saved: SavedPeer[] | null): Map<number, Epoch<S, C>> {
  const peers = new Map<number, Epoch<S, C>>();
  for (const p of Array.isArray(saved) ? saved : []) {
    try {
      peers.set(p.shard, Epoch.unmarshal(schema, unbase64(p.data)));
    } catch (err) {
      console.error(JSON.stringify({ event: "shard_peer_decode_failed", shard: p.shard, error: String(err) }));
    }
  }
  return peers;
}
