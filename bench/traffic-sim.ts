/**
 * Mixed traffic replayed on its own clock through the guard's flush scheduling, counting what a
 * deployment is billed for: Durable Object calls (on the response path and in all), alarms, storage
 * rows written and read, objects and their stored bytes. Days of traffic cannot be replayed at their
 * own rates against workerd in minutes, so the objects are simulated here: each request runs the edge
 * Worker's real work (worker/observation.ts), the account's and fingerprint shard's real window
 * updates (durable-objects/windows.ts) and the real FlushScheduler (durable-objects/flush.ts) on the
 * traffic's clock; what a flush writes follows the objects' writeChanges (one row each for meta,
 * ledger or recent/accounts lists, one per dirty epoch). Eviction after EVICT_MS idle restarts an
 * object: it reads its rows back and keeps only its pending alarm.
 */
import { hashKeyFromWords } from "../core/hash";
import { FRESH_SINGLE } from "../core/signals/classify";
import { FlushScheduler } from "../durable-objects/flush";
import { fingerprintShardName } from "../durable-objects/protocol";
import { formatForPath, parseBody } from "../worker/formats";
import { addressPrefix, type ClientFacts } from "../worker/identity";
import { buildObservation } from "../worker/observation";
import { shardOf } from "../worker/decide";
import { cpuMs } from "./report";
import { accountWindow, CONFIG, fingerprintWindow, record, recordFingerprint, type AccountWindow, type FingerprintWindow } from "./sim";

const KEY = hashKeyFromWords(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344);
/** Idle time after which the runtime evicts an object (Cloudflare: "after ~70–140 s"; the low end). */
export const EVICT_MS = 70_000;
/** Rows an object reads when it starts: its meta rows (JSON and blobs) besides its epochs. */
const START_META_ROWS = 5;

export interface TrafficRequest {
  t: number;
  key: string;
  path: string;
  body: unknown;
  ip?: string;
  ua?: string;
  ja4?: string;
  asn?: number;
}

export interface TrafficFigures {
  requests: number;
  seconds: number;
  /** DO calls the response waits for: the account, plus fingerprints the isolate's cache misses. */
  criticalCalls: number;
  /** Every DO call: the above, the fingerprints' observations after the answer, alarms, exchanges. */
  totalCalls: number;
  alarms: number;
  inlineFlushes: number;
  rowsWritten: number;
  rowsRead: number;
  objects: number;
  /** Highest rate one object received in any one second (calls/s) and its name's kind. */
  busiest: { perSecond: number; kind: string };
  storedBytes: number;
  /** CPU of the edge Worker's own work per request (core, in Node), ms. */
  workerCpuMs: number;
}

interface SimObject {
  kind: "account" | "fingerprint";
  flusher: FlushScheduler;
  storedAlarm: number | null;
  lastActive: number;
  dirtyEpochs: Set<number>;
  stored: Set<number>;
  listsDirty: boolean;
  layoutWritten: boolean;
  root: boolean;
  window: AccountWindow | FingerprintWindow;
}

export function simulateTraffic(requests: Iterable<TrafficRequest>): TrafficFigures {
  const objects = new Map<string, SimObject>();
  const pending: { at: number; name: string }[] = [];
  const perSecond = new Map<string, number>();
  const verdictSeen = new Map<string, number>();
  const f: TrafficFigures = {
    requests: 0,
    seconds: 0,
    criticalCalls: 0,
    totalCalls: 0,
    alarms: 0,
    inlineFlushes: 0,
    rowsWritten: 0,
    rowsRead: 0,
    objects: 0,
    busiest: { perSecond: 0, kind: "" },
    storedBytes: 0,
    workerCpuMs: 0,
  };
  let first = Number.NaN;
  let last = 0;
  let cpu = 0;
  const ttl = CONFIG.FP_VERDICT_TTL_S * 1000;

  const call = (name: string, o: SimObject, t: number) => {
    f.totalCalls++;
    const k = `${name}@${Math.floor(t / 1000)}`;
    const n = (perSecond.get(k) ?? 0) + 1;
    perSecond.set(k, n);
    if (n > f.busiest.perSecond) f.busiest = { perSecond: n, kind: o.kind };
  };

  const open = (name: string, kind: SimObject["kind"], t: number, root: boolean): SimObject => {
    let o = objects.get(name);
    if (o && t - o.lastActive > EVICT_MS) {
      // evicted: a new instance reads its rows and learns only of its stored alarm
      f.rowsRead += START_META_ROWS + o.stored.size;
      f.inlineFlushes += o.flusher.inlineFlushes;
      o.flusher = scheduler(o);
      o.flusher.restore(o.storedAlarm);
    }
    if (!o) {
      const made: SimObject = {
        kind,
        flusher: undefined as unknown as FlushScheduler,
        storedAlarm: null,
        lastActive: t,
        dirtyEpochs: new Set(),
        stored: new Set(),
        listsDirty: false,
        layoutWritten: false,
        root,
        window: kind === "account" ? accountWindow() : fingerprintWindow(),
      };
      made.flusher = scheduler(made);
      objects.set(name, made);
      f.rowsRead += START_META_ROWS;
      o = made;
    }
    o.lastActive = t;
    return o;
  };

  const scheduler = (o: SimObject): FlushScheduler => {
    const storage = {
      setAlarm: (at: number) => {
        o.storedAlarm = at;
        pending.push({ at, name: nameOf.get(o)! });
        return Promise.resolve();
      },
    } as unknown as DurableObjectStorage;
    const write = (): number => {
      let rows = o.kind === "account" ? 1 : 2; // meta (+ recent accounts for a fingerprint)
      if (!o.layoutWritten) rows++;
      o.layoutWritten = true;
      if (o.listsDirty) rows++; // the account's ledger, the fingerprint's account ids
      o.listsDirty = false;
      rows += o.dirtyEpochs.size;
      for (const e of o.dirtyEpochs) o.stored.add(e);
      o.dirtyEpochs.clear();
      const oldest = Math.floor(o.lastActive / o.window.epochMs) - 3;
      for (const e of o.stored) {
        if (e >= oldest) continue;
        o.stored.delete(e);
        rows++;
      }
      f.rowsWritten += rows;
      return rows;
    };
    return new FlushScheduler(storage, CONFIG.FLUSH_INTERVAL_MS, write, () => o.kind === "account" || o.root || CONFIG.FP_SHARDS <= 1);
  };
  const nameOf = new Map<SimObject, string>();

  const runAlarms = (upTo: number) => {
    pending.sort((a, b) => a.at - b.at);
    while (pending.length && pending[0]!.at <= upTo) {
      const { at, name } = pending.shift()!;
      const o = objects.get(name)!;
      if (o.storedAlarm !== at) continue;
      o.storedAlarm = null;
      if (at - o.lastActive > EVICT_MS) {
        f.rowsRead += START_META_ROWS + o.stored.size;
        f.inlineFlushes += o.flusher.inlineFlushes;
        o.flusher = scheduler(o);
      }
      o.lastActive = at;
      f.alarms++;
      call(name, o, at);
      o.flusher.alarm(at);
      if (o.kind === "fingerprint" && !o.root && CONFIG.FP_SHARDS > 1) {
        // the exchange: one call to shard 0, which stores the union; this shard stores the others'
        f.totalCalls++;
        f.rowsWritten += 2;
      }
    }
  };

  for (const r of requests) {
    if (Number.isNaN(first)) first = r.t;
    last = r.t;
    runAlarms(r.t);
    f.requests++;
    const format = formatForPath(r.path);
    const facts: ClientFacts = { now: r.t, ja4: r.ja4 ?? null, asn: r.asn ?? null, prefix: addressPrefix(r.ip ?? null), ua: r.ua ?? null };
    let built: ReturnType<typeof buildObservation> | null = null;
    cpu += cpuMs(() => {
      built = buildObservation(KEY, r.key, facts, format ? parseBody(format, r.body) : null);
    });
    const { obs, subjects } = built!;
    const accountName = `a:${r.key}`;
    const acc = open(accountName, "account", r.t, true);
    nameOf.set(acc, accountName);
    call(accountName, acc, r.t);
    f.criticalCalls++;
    if (obs.prompt) {
      record(acc.window as AccountWindow, obs, r.t);
      acc.dirtyEpochs.add(Math.floor(r.t / acc.window.epochMs));
      acc.listsDirty = true;
    }
    acc.flusher.touch();
    acc.flusher.settle(r.t);
    if (!obs.prompt) continue;
    const shard = shardOf(subjects.accountHash, CONFIG.FP_SHARDS);
    for (const fp of subjects.fingerprints) {
      const name = fingerprintShardName(fp.id, shard);
      const seen = verdictSeen.get(name);
      const o = open(name, "fingerprint", r.t, shard === 0);
      nameOf.set(o, name);
      if (seen === undefined || r.t - seen >= ttl) {
        // the isolate has no fresh verdict: asked on the response path
        f.criticalCalls++;
        call(name, o, r.t);
      }
      verdictSeen.set(name, r.t);
      call(name, o, r.t); // the observation, after the answer
      recordFingerprint(o.window as FingerprintWindow, { now: r.t, account: subjects.accountHash, pair: subjects.pairHash, prompt: obs.prompt, seen: FRESH_SINGLE });
      o.dirtyEpochs.add(Math.floor(r.t / o.window.epochMs));
      o.listsDirty = true;
      o.flusher.touch();
      o.flusher.settle(r.t);
    }
  }
  runAlarms(Number.POSITIVE_INFINITY);
  for (const o of objects.values()) {
    f.inlineFlushes += o.flusher.inlineFlushes;
    // SQLite's own pages (~12 KB for an empty database) plus the window's epochs as marshalled
    f.storedBytes += 12 * 1024 + o.window.live().reduce((n, e) => n + e.marshal().byteLength, 0) + 512;
  }
  f.objects = objects.size;
  f.seconds = Math.max(1, (last - first) / 1000);
  f.workerCpuMs = cpu / Math.max(1, f.requests);
  return f;
}
