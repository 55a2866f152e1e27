/**
 * Campaigns end to end: a hydra (many fresh keys behind one client, each sweeping novel prompts, a
 * few of which stopped before any verdict) is one campaign with every member; an ordinary user is in
 * none; the campaign's view has evidence and a timeline; its STIX export is a well-formed 2.1 bundle
 * without keys or prompts; its evidence report verifies with the published key and fails once a
 * byte changes; the members' move to a new model shows in the model mix and as a switch; one call
 * shadows every member (served, still flagged as would-be refused) until cleared or lifted; one call
 * deny-lists every member, audited. Runs with a signing key made for the run.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import canonicalize from "canonicalize";
import { beforeAll, describe, expect, it } from "vitest";
import { chat, freshKey, operator, send, T0 } from "../support/client";
import { debugOf } from "../support/debug";
import { accountIdOf, auditUntil, op } from "../support/operator-flow";
import { EVERYDAY, sweepPrompts } from "../support/prompts";

const HYDRA = { ja4: "t13d1812h2_85036bcba153_b0e7e7f4ec5f", ua: "OpenAI/Python 1.30.1" };
const system = { role: "system", content: "Answer fully." };
const body = (p: string, model = "m") => ({ model, logprobs: true, max_tokens: 4096, messages: [system, { role: "user", content: p }] });
/** From this prompt of the sweep on, every hydra key asks for a newly released model. */
const SWITCH_AT = 240;
const NEW_MODEL = "m-next-2026";

const keys = Array.from({ length: 30 }, (_, i) => freshKey(`hydra${i}`));
/** Keys that finish their share early, before the cluster is judged. */
const early = Array.from({ length: 3 }, (_, i) => freshKey(`early${i}`));
const benignKey = freshKey("benign");
const prompts = sweepPrompts(330, 7);
const earlyPrompts = sweepPrompts(12, 900);
let end = T0;
/** The request time of the latest operator step after the setup: steps run in order, time only moves on. */
let clock = T0;
let switchedAt = 0;
const ids = new Map<string, string>();
let campaignId = "";

interface Summary {
  id: string;
  accounts: string[];
  fingerprints: string[];
  firstSeen: number;
  lastSeen: number;
  action: string;
  reasons: string[];
}

beforeAll(async () => {
  let t = T0;
  for (const [i, p] of earlyPrompts.entries()) {
    const res = await send("/v1/chat/completions", body(p), { ...HYDRA, key: early[i % early.length]!, time: (t += 9_000), ip: "100.64.1.9", asn: 9010 });
    expect(res.status).toBe(200);
  }
  // Their objects flush as a deployment's would within FLUSH_INTERVAL_MS (the tests set it long and
  // run alarms by hand), so an idle object evicted later keeps what it saw.
  for (const k of early) {
    ids.set(k, await accountIdOf(k, t));
    await runDurableObjectAlarm(env.ACCOUNT_GUARD.getByName(ids.get(k)!));
  }
  for (const [i, p] of prompts.entries()) {
    if (i === SWITCH_AT) switchedAt = t + 9_000;
    const res = await send("/v1/chat/completions", body(p, i < SWITCH_AT ? "m" : NEW_MODEL), {
      ...HYDRA,
      key: keys[i % keys.length]!,
      time: (t += 9_000),
      ip: `100.64.${i % 12}.9`,
      asn: 9009 + (i % 3),
    });
    await res.arrayBuffer();
  }
  for (const [i, q] of EVERYDAY.slice(0, 6).entries()) {
    const res = await send("/v1/chat/completions", chat(q), { key: benignKey, time: (t += 60_000 + i), ip: "192.0.2.44", asn: 64777, ja4: "t13d1516h2_benign_000000000000", ua: "Mozilla/5.0 benign" });
    expect(res.status).toBe(200);
  }
  end = t + 1;
  clock = end;
  for (const k of [...keys, benignKey]) ids.set(k, await accountIdOf(k, end));
}, 120_000);

async function list(): Promise<Summary[]> {
  const res = await op<{ campaigns: Summary[] }>("GET", "/_guard/v1/campaigns", undefined, end);
  expect(res.status).toBe(200);
  return res.body.campaigns;
}

describe("campaigns", () => {
  it("groups the hydra into one campaign with every member, including keys that stopped before the verdict", async () => {
    const flagged = await op<{ accounts: { id: string }[] }>("GET", "/_guard/v1/flagged", undefined, end);
    const flaggedIds = new Set(flagged.body.accounts.map((a) => a.id));
    // The early keys were never flagged themselves: only the evidence links them.
    for (const k of early) expect(flaggedIds.has(ids.get(k)!)).toBe(false);

    const campaigns = await list();
    const hydraIds = [...keys, ...early].map((k) => ids.get(k)!);
    const containing = campaigns.filter((c) => hydraIds.some((a) => c.accounts.includes(a)));
    expect(containing).toHaveLength(1);
    const c = containing[0]!;
    for (const a of hydraIds) expect(c.accounts).toContain(a);
    expect(c.id).toMatch(/^c[0-9a-f]{16}$/);
    expect(["throttle", "block"]).toContain(c.action);
    expect(c.reasons.length).toBeGreaterThan(0);
    expect(c.fingerprints.length).toBeGreaterThan(0);
    expect(c.firstSeen).toBeLessThanOrEqual(T0 + 9_000);
    expect(c.lastSeen).toBeGreaterThan(c.firstSeen);
    for (const other of campaigns) expect(other.accounts).not.toContain(ids.get(benignKey));
    campaignId = c.id;
    // Recomputed, the same campaign keeps its id.
    expect((await list()).map((x) => x.id)).toContain(campaignId);
  });

  it("shows one campaign with its members, evidence and timeline", async () => {
    const res = await op<{
      id: string;
      members: { account: string; flagged: unknown; firstSeen: number }[];
      evidence: {
        links: { kind: string; fingerprint: string; accounts: string[] }[];
        timing: { members: number; firstSeenCohort: { accounts: number } };
        clients: { ja4: string | null; ua: string | null }[];
      };
      timeline: { t: number; event: string; signals?: Record<string, number> }[];
      coverage: { fingerprint: string; series: unknown[] }[];
    }>("GET", `/_guard/v1/campaigns/${campaignId}`, undefined, end);
    expect(res.status).toBe(200);
    const d = res.body;
    expect(d.id).toBe(campaignId);
    const earlyMember = d.members.find((m) => m.account === ids.get(early[0]!));
    expect(earlyMember?.flagged).toBeNull();
    expect(earlyMember?.firstSeen).toBe(T0 + 9_000);
    const behind = d.evidence.links.filter((l) => l.kind === "behind-flagged-fingerprint");
    expect(behind.length).toBeGreaterThan(0);
    expect(behind.flatMap((l) => l.accounts)).toContain(ids.get(early[0]!));
    expect(d.evidence.timing.members).toBe(keys.length + early.length);
    expect(d.evidence.clients.some((x) => x.ja4 === HYDRA.ja4 && x.ua === HYDRA.ua)).toBe(true);
    const verdicts = d.timeline.filter((e) => e.event === "verdict");
    expect(verdicts.length).toBeGreaterThan(0);
    expect(typeof verdicts[0]!.signals?.score).toBe("number");
    expect(d.timeline.some((e) => e.event === "first-seen")).toBe(true);
    expect(d.timeline.map((e) => e.t)).toEqual([...d.timeline.map((e) => e.t)].sort((a, b) => a - b));
    expect(d.coverage.length).toBeGreaterThan(0);
  });

  it("exports the campaign's indicators as a STIX 2.1 bundle without keys, prompts or account ids", async () => {
    const res = await operator(`/_guard/v1/campaigns/${campaignId}/stix`, { time: end });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/stix+json");
    const raw = await res.text();
    const bundle = JSON.parse(raw) as { type: string; id: string; spec_version?: string; objects: Record<string, unknown>[] };
    expect(bundle.type).toBe("bundle");
    expect(bundle.id).toMatch(/^bundle--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    for (const o of bundle.objects) {
      expect(o.spec_version).toBe("2.1");
      expect(o.id).toMatch(new RegExp(`^${o.type as string}--[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`));
      expect(o.created).toMatch(ISO);
      expect(o.modified).toMatch(ISO);
      expect(Date.parse(o.modified as string)).toBeGreaterThanOrEqual(Date.parse(o.created as string));
    }
    const campaigns = bundle.objects.filter((o) => o.type === "campaign");
    expect(campaigns).toHaveLength(1);
    const indicators = bundle.objects.filter((o) => o.type === "indicator");
    expect(indicators.length).toBeGreaterThan(0);
    for (const i of indicators) {
      expect(i.pattern_type).toBe("stix");
      expect(i.valid_from).toMatch(ISO);
      expect(i.pattern).toMatch(/^\[.+\]$/);
    }
    const patterns = indicators.map((i) => i.pattern as string).join("\n");
    expect(patterns).toContain(`network-traffic:x_ja4 = '${HYDRA.ja4}'`);
    expect(patterns).toContain(`'User-Agent' = '${HYDRA.ua}'`);
    expect(patterns).toMatch(/network-traffic:src_ref\.value ISSUBSET '100\.64\.\d+\.0\/24'/);
    expect(patterns).toMatch(/\[autonomous-system:number = 90(09|10|11)\]/);
    const rels = bundle.objects.filter((o) => o.type === "relationship");
    expect(rels.every((r) => r.relationship_type === "indicates" && r.target_ref === campaigns[0]!.id)).toBe(true);
    const ids_ = new Set(bundle.objects.map((o) => o.id));
    expect(rels.every((r) => ids_.has(r.source_ref as string))).toBe(true);
    for (const k of [...keys, ...early]) expect(raw).not.toContain(k);
    for (const p of [...prompts, ...earlyPrompts, system.content]) expect(raw).not.toContain(p);
    for (const a of ids.values()) expect(raw).not.toContain(a);
  });

  it("signs the evidence report: it verifies with the published key and fails after one byte changes", async () => {
    const keyRes = await op<{ jwk: { x: string }; pem: string; keyId: string; algorithm: string }>("GET", "/_guard/v1/evidence-key", undefined, end);
    expect(keyRes.status).toBe(200);
    expect(keyRes.body.algorithm).toBe("Ed25519");
    expect(keyRes.body.pem).toContain("BEGIN PUBLIC KEY");
    const res = await op<{ signed: boolean; signature: string; publicKey: { jwk: { x: string } }; payload: { campaign: { id: string; members: unknown[] }; verdicts: unknown[] } }>(
      "GET",
      `/_guard/v1/campaigns/${campaignId}/report`,
      undefined,
      end,
    );
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r.signed).toBe(true);
    expect(r.publicKey.jwk.x).toBe(keyRes.body.jwk.x);
    expect(r.payload.campaign.id).toBe(campaignId);
    expect(r.payload.campaign.members.length).toBe(keys.length + early.length);
    expect(r.payload.verdicts.length).toBeGreaterThan(0);
    const pub = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: keyRes.body.jwk.x }, { name: "Ed25519" }, false, ["verify"]);
    const sig = Uint8Array.from(atob(r.signature), (c) => c.charCodeAt(0));
    const bytes = new TextEncoder().encode(canonicalize(r.payload)!);
    expect(await crypto.subtle.verify({ name: "Ed25519" }, pub, sig, bytes)).toBe(true);
    for (const at of [0, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const changed = bytes.slice();
      changed[at] = changed[at]! ^ 0x01;
      expect(await crypto.subtle.verify({ name: "Ed25519" }, pub, sig, changed)).toBe(false);
    }
    const raw = JSON.stringify(r);
    for (const k of [...keys, ...early]) expect(raw).not.toContain(k);
    for (const p of prompts.slice(0, 50)) expect(raw).not.toContain(p);

    const html = await operator(`/_guard/v1/campaigns/${campaignId}/report?format=html`, { time: end });
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toContain("text/html");
    expect(html.headers.get("content-security-policy")).toMatch(/default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    const page = await html.text();
    expect(page).toContain(campaignId);
    expect(page).toContain(r.signature);
    expect(page).not.toContain("<script");
  });

  it("answers 404 for an unknown campaign, 400 for a malformed id and 401 for a bad token, in the API's error shape", async () => {
    const unknown = await op<{ error: { type: string; code: string; message: string } }>("GET", "/_guard/v1/campaigns/c0123456789abcdef", undefined, end);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.type).toBe("not_found_error");
    expect(unknown.body.error.message).toBeTruthy();
    for (const path of ["", "/stix", "/report"]) expect((await operator(`/_guard/v1/campaigns/c0123456789abcdef${path}`, { time: end })).status).toBe(404);
    const malformed = await op<{ error: { type: string } }>("GET", "/_guard/v1/campaigns/not-an-id", undefined, end);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.type).toBe("invalid_request_error");
    for (const path of [
      "/_guard/v1/campaigns",
      `/_guard/v1/campaigns/${campaignId}`,
      `/_guard/v1/campaigns/${campaignId}/stix`,
      `/_guard/v1/campaigns/${campaignId}/report`,
      "/_guard/v1/evidence-key",
    ]) {
      const res = await operator(path, { time: end, token: "wrong-token" });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
    }
    const bad = await op<{ error: { type: string; param: string } }>("POST", `/_guard/v1/campaigns/${campaignId}/actions`, { action: "deny", reason: "x", graceS: 5 }, end);
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe("graceS");
  });

  it("shows the model mix over time and the members' fast move to a new model; accounts show their models", async () => {
    interface Model {
      model: string;
      firstSeen: number;
      lastSeen: number;
      requests: number;
      members?: number;
    }
    const res = await op<{ models: Model[]; evidence: { modelSwitches: { model: string; firstUse: number; movers: number; eligible: number; from: string[] }[] } }>(
      "GET",
      `/_guard/v1/campaigns/${campaignId}`,
      undefined,
      end,
    );
    expect(res.status).toBe(200);
    const { models, evidence } = res.body;
    expect(models.map((m) => m.model)).toEqual(["m", NEW_MODEL]);
    const [old, next] = models as [Model, Model];
    expect(old.members).toBe(keys.length + early.length);
    expect(next.members).toBe(keys.length);
    expect(next.firstSeen).toBe(switchedAt);
    expect(old.requests + next.requests).toBe(prompts.length + earlyPrompts.length);
    expect(next.requests).toBe(prompts.length - SWITCH_AT);
    expect(old.lastSeen).toBeLessThan(next.firstSeen);
    expect(evidence.modelSwitches).toEqual([expect.objectContaining({ model: NEW_MODEL, firstUse: switchedAt, movers: keys.length, eligible: keys.length + early.length, from: ["m"] })]);

    const member = await op<{ models: Model[] }>("GET", `/_guard/v1/accounts/${ids.get(keys[0]!)}`, undefined, end);
    expect(member.body.models.map((m) => m.model)).toEqual([NEW_MODEL, "m"]);
    const person = await op<{ models: Model[] }>("GET", `/_guard/v1/accounts/${ids.get(benignKey)}`, undefined, end);
    expect(person.body.models).toEqual([{ model: "m", firstSeen: expect.any(Number), lastSeen: expect.any(Number), requests: 6 }]);
  });

  it("shadows every member in one call: they are served while still listed as would-be refused, until cleared or lifted", async () => {
    const members = [...keys, ...early];
    const fresh = sweepPrompts(members.length * 3, 5_000);
    let n = 0;
    // The hydra's client with no network facts: only its (flagged) stack fingerprint hears of these,
    // so no other fingerprint is flagged meanwhile and the campaign keeps its root and id.
    const hydra = (k: string) => send("/v1/chat/completions", body(fresh[n++]!, NEW_MODEL), { ...HYDRA, key: k, time: (clock += 10) });
    // Before: the hydra's client is refused.
    expect((await hydra(keys[0]!)).status).not.toBe(200);
    const listed = await op<{ accounts: { id: string }[] }>("GET", "/_guard/v1/flagged", undefined, clock);
    const flaggedBefore = new Set(listed.body.accounts.map((a) => a.id).filter((a) => members.some((k) => ids.get(k) === a)));
    expect(flaggedBefore.size).toBeGreaterThan(1);

    const act = await op<{ action: string; via: string; accounts: string[]; fingerprints: string[]; override: { list: string; until: number } }>(
      "POST",
      `/_guard/v1/campaigns/${campaignId}/actions`,
      { action: "shadow", reason: "watching the hydra", ttlS: 86_400 },
      (clock += 10),
    );
    expect(act.status).toBe(200);
    expect(act.body.override).toMatchObject({ list: "shadow", until: clock + 86_400_000 });
    let marked = 0;
    for (const k of members) {
      const r = await hydra(k);
      expect(r.status).toBe(200);
      // What enforcement would have done is still computed (the test-mode debug header shows it):
      // for every member flagged itself, and for others whose fingerprint shard holds a verdict.
      const would = debugOf(r)?.shadow?.action;
      if (flaggedBefore.has(ids.get(k)!)) expect(["throttle", "block"]).toContain(would);
      if (would) marked++;
    }
    expect(marked).toBeGreaterThanOrEqual(flaggedBefore.size);
    const flagged = await op<{ accounts: { id: string; action: string; shadow: boolean }[]; fingerprints: { id: string; action: string; shadow: boolean }[] }>(
      "GET",
      "/_guard/v1/flagged",
      undefined,
      clock,
    );
    // The subjects the action covered (a fingerprint first flagged since is not under the entry).
    const covered = new Set([...act.body.accounts, ...act.body.fingerprints]);
    const mine = [...flagged.body.accounts, ...flagged.body.fingerprints].filter((e) => covered.has(e.id));
    expect(mine.filter((e) => act.body.fingerprints.includes(e.id)).length).toBeGreaterThan(0);
    for (const e of mine) expect(e).toMatchObject({ action: expect.stringMatching(/^(throttle|block)$/), shadow: true });
    const campaign = (await op<{ campaigns: (Summary & { shadow: boolean })[] }>("GET", "/_guard/v1/campaigns", undefined, clock)).body.campaigns.find((c) => c.id === campaignId);
    expect(campaign?.shadow).toBe(true);
    const rows = await auditUntil(`account=${ids.get(keys[3]!)}`, (rs) => rs.some((e) => e.action === "shadow"), clock);
    expect(rows.find((e) => e.action === "shadow")).toMatchObject({ via: `campaign:${campaignId}`, cause: "override", until: act.body.override.until });

    // Clearing the entries enforces the verdicts in force again at once.
    const clear = await op("POST", `/_guard/v1/campaigns/${campaignId}/actions`, { action: "clear", reason: "watch over" }, (clock += 10));
    expect(clear.status).toBe(200);
    const [watched, single] = members.filter((k) => flaggedBefore.has(ids.get(k)!)) as [string, string];
    expect((await hydra(watched)).status).not.toBe(200);
    const after = await op<{ accounts: { id: string; shadow: boolean }[] }>("GET", "/_guard/v1/flagged", undefined, clock);
    expect(after.body.accounts.find((a) => a.id === ids.get(watched))?.shadow).toBe(false);

    // One account through the override endpoint: a lift ends its shadow entry.
    const one = ids.get(single)!;
    const put = await op("PUT", `/_guard/v1/accounts/${one}/override`, { list: "shadow", reason: "watch one", ttlS: 3_600 }, (clock += 10));
    expect(put.status).toBe(200);
    expect((await hydra(single)).status).toBe(200);
    const lifted = await op<{ override: unknown }>("POST", `/_guard/v1/accounts/${one}/lift`, { reason: "done watching", graceS: 0 }, (clock += 10));
    expect(lifted.status).toBe(200);
    expect(lifted.body.override).toBeNull();
    // Judged again at once (graceS 0) and no longer watched: its own evidence or its fingerprint's verdict refuses it.
    const statuses = [(await hydra(single)).status, (await hydra(single)).status];
    expect(statuses.some((x) => x !== 200)).toBe(true);
  });

  it("refuses an unknown action in the API's error shape", async () => {
    for (const action of ["watch", "", 7]) {
      const res = await op<{ error: { type: string; param: string; message: string } }>("POST", `/_guard/v1/campaigns/${campaignId}/actions`, { action, reason: "x" }, clock);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ type: "invalid_request_error", param: "action" });
      expect(res.body.error.message).toContain('"shadow"');
    }
    const bad = await op<{ error: { param: string } }>("POST", `/_guard/v1/campaigns/${campaignId}/actions`, { action: "shadow", reason: "x", graceS: 5 }, clock);
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe("graceS");
  });

  it("deny-lists every member in one call: each one's next request is refused, and the audit trail has it", async () => {
    end = clock;
    const res = await op<{ accounts: string[]; via: string }>("POST", `/_guard/v1/campaigns/${campaignId}/actions`, { action: "deny", reason: "hydra confirmed", ttlS: 86_400 }, end);
    expect(res.status).toBe(200);
    expect(res.body.via).toBe(`campaign:${campaignId}`);
    expect(res.body.accounts).toHaveLength(keys.length + early.length);
    // A fresh client and prompt for each member: only the deny entry can refuse it.
    for (const [i, k] of [...keys, ...early].entries()) {
      const r = await send("/v1/chat/completions", chat(`A new question number ${i} about gardening`), {
        key: k,
        time: end + 1_000 + i,
        ip: "198.51.100.200",
        ua: "other-client/2",
        ja4: "t13d_other",
      });
      expect(r.status).toBe(403);
      expect(debugOf(r)?.cause).toBe("override");
    }
    const benign = await send("/v1/chat/completions", chat("Why is the sky blue?"), {
      key: benignKey,
      time: end + 5_000,
      ip: "192.0.2.44",
      asn: 64777,
      ja4: "t13d1516h2_benign_000000000000",
      ua: "Mozilla/5.0 benign",
    });
    expect(benign.status).toBe(200);
    const member = ids.get(early[1]!)!;
    const rows = await auditUntil(`account=${member}`, (rs) => rs.some((e) => e.action === "deny-list"), end + 10_000);
    const entry = rows.find((e) => e.action === "deny-list");
    expect(entry?.via).toBe(`campaign:${campaignId}`);
    expect(entry?.reasons.join(" ")).toContain("hydra confirmed");
  });
});
