/**
 * Validators of the JSON state the guard objects read back from SQLite (SubjectStore.getMeta). A row
 * that fails one is logged and the object starts that part afresh: stored state never crashes an
 * object, and a value of the wrong shape is never used as if it were right.
 */
export type Validator<T> = (x: unknown) => x is T;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const isNumber = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const isTime = (x: unknown): x is number | null => x === null || isNumber(x);
const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === "string");
const isAction = (x: unknown) => x === "allow" || x === "throttle" || x === "block";

/** An extraction verdict as stored (or null). */
function isStoredVerdict(x: unknown): boolean {
  return x === null || (isObject(x) && isAction(x.action) && isStrings(x.reasons) && isNumber(x.since) && isTime(x.until) && isNumber(x.score));
}

function arrayOf<T>(item: (x: unknown) => boolean): Validator<T[]> {
  return (x: unknown): x is T[] => Array.isArray(x) && x.every(item);
}

export function objectWith<T>(fields: Record<string, (x: unknown) => boolean>): Validator<T> {
  return (x: unknown): x is T => isObject(x) && Object.entries(fields).every(([k, ok]) => ok(x[k]));
}

export const shapes = { isNumber, isTime, isStrings, isString: (x: unknown) => typeof x === "string", isObject, isAction };

const isString = shapes.isString;
const isOverride = (x: unknown) =>
  x === null ||
  (isObject(x) && (x.list === null || x.list === "allow" || x.list === "deny" || x.list === "shadow") && isObject(x.limits) && isString(x.reason) && isTime(x.until) && isNumber(x.setAt));

export const overrideRecordShape = objectWith<import("../core/override").OverrideRecord>({ override: isOverride, graceUntil: isTime });
export const idempotencyShape = arrayOf<import("./idempotency").IdempotentEntry>(
  objectWith({ id: isString, at: isNumber, replays: isNumber, decision: (d) => isObject(d) && isAction(d.action) && isNumber(d.retryAfterMs) && isTime(d.until) }),
);
export const recentIdsShape = arrayOf<import("./recent-ids").RecentId>(objectWith({ id: isString, lastSeen: isNumber }));
export const recentAccountsShape = objectWith<import("./recent-accounts").SavedRecentAccounts>({ hour: isNumber, current: Array.isArray, previous: Array.isArray });
export const peersShape = arrayOf<import("./shard-peers").SavedPeer>(objectWith({ shard: isNumber, data: isString }));
export const subjectTimes = { requests: isNumber, firstSeen: isTime, lastSeen: isTime, verdict: isStoredVerdict };
/** An account's per-model record (core/campaigns/models.ts); absent in rows from before it was kept. */
export const modelUsesShape = arrayOf<import("../core/campaigns/models").ModelUse>(objectWith({ model: isString, firstSeen: isNumber, lastSeen: isNumber, requests: isNumber }));
