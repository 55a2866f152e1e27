/**
 * Flagged subjects grouped into campaigns by the evidence that links them. Runtime-free: the Worker
 * gathers the facts from the registry and the subjects' objects, this decides who belongs together.
 *
 * Links, strongest first:
 * - a flagged fingerprint and every recent account behind it (so a key that finished its sweep
 *   before the verdict is still a member);
 * - an account and the fingerprint whose verdict it adopted;
 * - two flagged accounts and a fingerprint they both sent through (same client stack, request
 *   shape and instruction frame, or that client on the same network). Such a fingerprint joins the
 *   campaign as evidence, but its other accounts do not: it was never judged, and a popular SDK
 *   with one request shape is shared by many honest clients.
 * Timing (accounts first seen together, activity in lockstep) is reported as evidence but never
 * links on its own: unrelated clients start at the same minute every day.
 */
import type { Action } from "../policy";
import type { ModelUse } from "./models";
import { severity } from "../verdict";

/** A subject on the flagged list, as the registry records it. */
export interface FlaggedSubject {
  kind: "account" | "fingerprint";
  id: string;
  action: Action;
  reasons: string[];
  since: number;
  until: number | null;
  /** Recorded in shadow mode, or under the subject's shadow entry: what enforcement would have done. */
  shadow: boolean;
  /** Where the verdict came from, e.g. a fingerprint id for an adopted verdict. */
  via?: string;
}

export interface AccountFacts {
  id: string;
  fingerprints: string[];
  firstSeen: number | null;
  lastSeen: number | null;
  /** The models it asked for (its object's record); absent when not read. */
  models?: ModelUse[];
}

export interface FingerprintFacts {
  id: string;
  /** Recent accounts behind it, merged over its shards. */
  accounts: { id: string; lastSeen: number }[];
  firstSeen: number | null;
  lastSeen: number | null;
}

export type Link =
  | { kind: "behind-flagged-fingerprint"; fingerprint: string; accounts: string[] }
  | { kind: "adopted-verdict"; fingerprint: string; accounts: string[] }
  | { kind: "shared-fingerprint"; fingerprint: string; accounts: string[] };

export interface CampaignGroup {
  /** The subject the campaign's id is derived from: its smallest flagged fingerprint, else its smallest flagged account. */
  root: string;
  accounts: string[];
  fingerprints: string[];
  flagged: FlaggedSubject[];
  links: Link[];
  firstSeen: number | null;
  lastSeen: number | null;
  action: Action;
  reasons: string[];
  shadow: boolean;
}

const MAX_REASONS = 12;

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p === x) return x;
    p = this.find(p);
    this.parent.set(x, p);
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // The smaller name becomes the root, so a component's root does not depend on the order of unions.
    const [lo, hi] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent.set(hi, lo);
  }
}

const node = (kind: "account" | "fingerprint", id: string) => `${kind === "account" ? "a" : "f"}:${id}`;

/** Fingerprints whose recent accounts the Worker must read: the flagged ones and those adopted from. */
export function fingerprintsToRead(flagged: FlaggedSubject[]): string[] {
  const out = new Set<string>();
  for (const f of flagged) {
    if (f.kind === "fingerprint") out.add(f.id);
    else if (f.via) out.add(f.via);
  }
  return [...out].sort();
}

/** Accounts not flagged themselves whose first and last sight the Worker should read (the members). */
export function linkedAccounts(flagged: FlaggedSubject[], fingerprints: FingerprintFacts[]): string[] {
  const flaggedAccounts = new Set(flagged.filter((f) => f.kind === "account").map((f) => f.id));
  const flaggedFps = new Set(flagged.filter((f) => f.kind === "fingerprint").map((f) => f.id));
  const out = new Set<string>();
  for (const fp of fingerprints) if (flaggedFps.has(fp.id)) for (const a of fp.accounts) if (!flaggedAccounts.has(a.id)) out.add(a.id);
  return [...out].sort();
}

export function groupCampaigns(flagged: FlaggedSubject[], accounts: AccountFacts[], fingerprints: FingerprintFacts[]): CampaignGroup[] {
  const uf = new UnionFind();
  const flaggedFps = new Set(flagged.filter((f) => f.kind === "fingerprint").map((f) => f.id));
  const flaggedAccounts = new Set(flagged.filter((f) => f.kind === "account").map((f) => f.id));
  const links: Link[] = [];
  const fpFacts = new Map(fingerprints.map((f) => [f.id, f]));
  const accountFacts = new Map(accounts.map((a) => [a.id, a]));

  for (const f of flagged) uf.find(node(f.kind, f.id));
  for (const fp of fingerprints) {
    if (!flaggedFps.has(fp.id) || fp.accounts.length === 0) continue;
    const ids = fp.accounts.map((a) => a.id).sort();
    for (const a of ids) uf.union(node("fingerprint", fp.id), node("account", a));
    links.push({ kind: "behind-flagged-fingerprint", fingerprint: fp.id, accounts: ids });
  }
  const adopted = new Map<string, string[]>();
  for (const f of flagged) {
    if (f.kind !== "account" || !f.via) continue;
    uf.union(node("account", f.id), node("fingerprint", f.via));
    adopted.set(f.via, [...(adopted.get(f.via) ?? []), f.id]);
  }
  for (const [fp, ids] of [...adopted].sort(([a], [b]) => (a < b ? -1 : 1))) links.push({ kind: "adopted-verdict", fingerprint: fp, accounts: ids.sort() });
  const sharers = new Map<string, string[]>();
  for (const a of accounts) {
    if (!flaggedAccounts.has(a.id)) continue;
    for (const fp of a.fingerprints) sharers.set(fp, [...(sharers.get(fp) ?? []), a.id]);
  }
  for (const [fp, ids] of [...sharers].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (ids.length < 2 || flaggedFps.has(fp)) continue;
    for (const a of ids) uf.union(node("fingerprint", fp), node("account", a));
    links.push({ kind: "shared-fingerprint", fingerprint: fp, accounts: ids.sort() });
  }

  const groups = new Map<string, { accounts: Set<string>; fingerprints: Set<string>; flagged: FlaggedSubject[] }>();
  const groupOf = (n: string) => {
    const r = uf.find(n);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = { accounts: new Set(), fingerprints: new Set(), flagged: [] }));
    return g;
  };
  for (const f of flagged) {
    const g = groupOf(node(f.kind, f.id));
    g.flagged.push(f);
    (f.kind === "account" ? g.accounts : g.fingerprints).add(f.id);
    if (f.kind === "account" && f.via) g.fingerprints.add(f.via);
  }
  for (const l of links) {
    const g = groupOf(node("fingerprint", l.fingerprint));
    g.fingerprints.add(l.fingerprint);
    for (const a of l.accounts) g.accounts.add(a);
  }

  const out: CampaignGroup[] = [];
  for (const [root, g] of groups) {
    if (g.flagged.length === 0) continue;
    const mine = links.filter((l) => uf.find(node("fingerprint", l.fingerprint)) === root);
    const seen = [...[...g.accounts].map((a) => accountFacts.get(a)), ...[...g.fingerprints].map((f) => fpFacts.get(f))].filter((x) => x !== undefined);
    const firsts = seen.map((s) => s.firstSeen).filter((t): t is number => t !== null);
    const lasts = seen.map((s) => s.lastSeen).filter((t): t is number => t !== null);
    const worst = g.flagged.reduce((a, b) => (severity(b.action) > severity(a.action) ? b : a));
    const fps = [...g.fingerprints].filter((f) => flaggedFps.has(f)).sort();
    const accs = [...g.accounts].filter((a) => flaggedAccounts.has(a)).sort();
    out.push({
      root: fps[0] ?? accs[0]!,
      accounts: [...g.accounts].sort(),
      fingerprints: [...g.fingerprints].sort(),
      flagged: g.flagged.sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : 1)),
      links: mine,
      firstSeen: firsts.length ? Math.min(...firsts) : null,
      lastSeen: lasts.length ? Math.max(...lasts) : null,
      action: worst.action,
      reasons: [...new Set(g.flagged.flatMap((f) => f.reasons))].slice(0, MAX_REASONS),
      shadow: g.flagged.every((f) => f.shadow),
    });
  }
  return out.sort((a, b) => (b.lastSeen ?? 0) - (a.lastSeen ?? 0) || (a.root < b.root ? -1 : 1));
}
