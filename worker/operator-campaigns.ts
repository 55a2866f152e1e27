/**
 * Campaigns in the operator API: flagged subjects grouped by the evidence that links them
 * (core/campaigns/group.ts), one campaign's evidence and timeline, its STIX 2.1 export, a signed
 * evidence report, and one audited action (deny, allow, shadow, clear, lift) on every member at once.
 * Campaigns are recomputed on each call from the flagged list; an id is a keyed hash of the
 * campaign's root subject, so it survives recomputation while that subject stays flagged.
 */
import type { IRequest, RouterType } from "itty-router";
import { reportPayload } from "../core/campaigns/detail";
import { REPORT_STYLE, reportHtml } from "../core/campaigns/report-html";
import { CANONICALIZATION, loadSigningKey, SIGNATURE_ALGORITHM, type SigningKey, SigningKeyError, signPayload } from "../core/campaigns/signing";
import { stixBundle } from "../core/campaigns/stix";
import type { Override } from "../core/override";
import { CAMPAIGN_ID, type CampaignWorld, loadCampaigns, mapLimit } from "./campaign-data";
import { campaignFingerprints, detailOf, summaryOf } from "./campaign-views";
import type { GuardContext } from "./context";
import { GuardError } from "./errors";
import { json } from "./operator-json";
import { applyOverride, lift, liftFingerprint } from "./operator-overrides";
import { jsonBody, parseLift, parseOverride } from "./override-body";

type Args = [Env, ExecutionContext, GuardContext];

const ACTIONS = ["deny", "allow", "shadow", "clear", "lift"] as const;
type CampaignAction = (typeof ACTIONS)[number];
const ACTION_FIELDS: Record<CampaignAction, string[]> = { deny: ["until", "ttlS"], allow: ["until", "ttlS"], shadow: ["until", "ttlS"], clear: [], lift: ["graceS"] };

function campaignId(id: string | undefined): string {
  if (!id || !CAMPAIGN_ID.test(id)) throw GuardError.badRequest("invalid_id", "Campaign ids are 'c' and 16 hexadecimal characters.", "id");
  return id;
}

const notFound = () => new GuardError(404, "not_found_error", "campaign_not_found", "No current campaign has this id (campaigns are made of subjects flagged now).");

async function find(env: Env, gc: GuardContext, req: IRequest): Promise<{ world: CampaignWorld; id: string; group: CampaignWorld["groups"][number]["group"] }> {
  const id = campaignId(req.params.id);
  const world = await loadCampaigns(env, gc, req.now as number);
  const hit = world.groups.find((g) => g.id === id);
  if (!hit) throw notFound();
  return { world, id, group: hit.group };
}

/** The signing key of this isolate, imported once per secret value. */
let signing: { secret: string; key: Promise<SigningKey> } | null = null;

/** The key, or why there is none (unset, or set but unusable: then it is logged, never shown). */
async function signingKey(gc: GuardContext): Promise<{ key: SigningKey; problem: null } | { key: null; problem: string }> {
  const secret = gc.cfg.EVIDENCE_SIGNING_KEY;
  if (!secret) return { key: null, problem: "EVIDENCE_SIGNING_KEY is not set on this guard: this report is not signed." };
  if (signing?.secret !== secret) signing = { secret, key: loadSigningKey(secret) };
  try {
    return { key: await signing.key, problem: null };
  } catch (err) {
    const message = err instanceof SigningKeyError ? err.message : "EVIDENCE_SIGNING_KEY could not be imported";
    console.error(JSON.stringify({ event: "evidence_key_invalid", error: message }));
    return { key: null, problem: `EVIDENCE_SIGNING_KEY is set but unusable (${message}): this report is not signed.` };
  }
}

async function report(req: IRequest, env: Env, gc: GuardContext): Promise<Response> {
  const format = new URL(req.url).searchParams.get("format") ?? "json";
  if (format !== "json" && format !== "html") throw GuardError.badRequest("invalid_value", '`format` must be "json" or "html".', "format");
  const { world, id, group } = await find(env, gc, req);
  const payload = reportPayload(await detailOf(env, gc, world, id, group), world.now, gc.cfg.GUARD_MODE);
  const { key, problem } = await signingKey(gc);
  const signature = key ? await signPayload(key, payload) : null;
  if (format === "html") {
    const html = reportHtml(payload, {
      algorithm: SIGNATURE_ALGORITHM,
      canonicalization: CANONICALIZATION,
      signature,
      keyId: key?.publicKey.keyId ?? null,
      publicKeyPem: key?.publicKey.pem ?? null,
      unsigned: problem,
    });
    const style = `'sha256-${btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(REPORT_STYLE)))))}'`;
    return new Response(html, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": `default-src 'none'; style-src ${style}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      },
    });
  }
  return json({
    algorithm: SIGNATURE_ALGORITHM,
    canonicalization: CANONICALIZATION,
    signed: key !== null,
    ...(problem ? { unsigned: problem } : {}),
    signature,
    publicKey: key?.publicKey ?? null,
    payload,
  });
}

async function stix(req: IRequest, env: Env, gc: GuardContext): Promise<Response> {
  const { world, id, group } = await find(env, gc, req);
  const { reads } = await campaignFingerprints(env, gc, world, group);
  const bundle = await stixBundle({
    campaignId: id,
    firstSeen: group.firstSeen,
    lastSeen: group.lastSeen,
    action: group.action,
    reasons: group.reasons,
    now: world.now,
    sources: reads.map((r) => ({
      fingerprint: r.id,
      ja4: r.client?.ja4 ?? null,
      ua: r.client?.ua ?? null,
      asn: r.client?.asn ?? null,
      prefix: r.client?.prefix ?? null,
      firstSeen: r.firstSeen,
      lastSeen: r.lastSeen,
    })),
    prefixV4: gc.cfg.STIX_ADDRESS_PREFIX_V4,
    prefixV6: gc.cfg.STIX_ADDRESS_PREFIX_V6,
  });
  return new Response(JSON.stringify(bundle), {
    headers: { "content-type": "application/stix+json;version=2.1", "content-disposition": `attachment; filename="${id}.stix.json"`, "cache-control": "no-store" },
  });
}

/**
 * `{"action": "deny"|"allow"|"shadow"|"clear"|"lift", "reason": "…", …}` on every member account and every
 * flagged fingerprint of the campaign, each recorded in the audit trail with `via: "campaign:<id>"`.
 */
async function act(req: IRequest, env: Env, gc: GuardContext): Promise<Response> {
  const now = req.now as number;
  const body = await jsonBody(req);
  const action = body.action as CampaignAction;
  if (!ACTIONS.includes(action)) throw GuardError.badRequest("invalid_value", `\`action\` must be one of ${ACTIONS.map((a) => `"${a}"`).join(", ")}.`, "action");
  for (const k of Object.keys(body)) {
    if (k !== "action" && k !== "reason" && !ACTION_FIELDS[action].includes(k)) throw GuardError.badRequest("unknown_field", `Unknown field \`${k}\` for action "${action}".`, k);
  }
  const { reason: _, action: __, ...rest } = body;
  let override: Override | null = null;
  let lifting: { reason: string; graceS: number } | null = null;
  let reason: string;
  if (action === "deny" || action === "allow" || action === "shadow") {
    override = parseOverride({ ...rest, list: action, reason: body.reason }, now, "fingerprint");
    reason = override.reason;
  } else if (action === "lift") {
    lifting = parseLift(body, gc.cfg.DETECTION_WINDOW_S);
    reason = lifting.reason;
  } else reason = parseLift({ reason: body.reason }, 0).reason;

  const { id, group } = await find(env, gc, req);
  const via = `campaign:${id}`;
  const text = `campaign ${id}: ${reason}`;
  const fingerprints = group.flagged.filter((f) => f.kind === "fingerprint").map((f) => f.id);
  await mapLimit(fingerprints, 4, (fp) => {
    if (lifting) return liftFingerprint(env, gc, fp, now, text, Math.min(lifting.graceS, gc.cfg.FINGERPRINT_WINDOW_S), via);
    return applyOverride(env, gc, "fingerprint", fp, override, now, text, via);
  });
  await mapLimit(group.accounts, 8, (a) => {
    if (lifting) return lift(env, gc, "account", a, now, text, lifting.graceS, via);
    return applyOverride(env, gc, "account", a, override, now, text, via);
  });
  return json({ campaign: id, action, accounts: group.accounts, fingerprints, via, override: override ?? null });
}

export function campaignRoutes(router: RouterType<IRequest, Args>): void {
  router
    .get("/campaigns", async (req, env, _ctx, gc) => {
      const world = await loadCampaigns(env, gc, req.now as number);
      return json({ campaigns: world.groups.map((g) => summaryOf(g.id, g.group)), truncated: world.truncated });
    })
    .get("/campaigns/:id", async (req, env, _ctx, gc) => {
      const { world, id, group } = await find(env, gc, req);
      return json(await detailOf(env, gc, world, id, group));
    })
    .get("/campaigns/:id/stix", (req, env, _ctx, gc) => stix(req, env, gc))
    .get("/campaigns/:id/report", (req, env, _ctx, gc) => report(req, env, gc))
    .post("/campaigns/:id/actions", (req, env, _ctx, gc) => act(req, env, gc))
    .get("/evidence-key", async (_req, _env, _ctx, gc) => {
      const { key, problem } = await signingKey(gc);
      if (!key) throw new GuardError(404, "not_found_error", "evidence_key_unset", problem);
      return json({ algorithm: SIGNATURE_ALGORITHM, canonicalization: CANONICALIZATION, ...key.publicKey });
    });
}
