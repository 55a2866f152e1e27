/**
 * The evidence report as a printable page. Every value is escaped; the page has one inline style and
 * no script, so it is served under a CSP that allows only that style (worker/operator-campaigns.ts).
 * The page shows the signature and public key; the JSON form (`?format=json`) is what verifies.
 */
import type { ReportPayload, TimelineEvent } from "./detail";

export interface SignatureBlock {
  algorithm: string;
  canonicalization: string;
  signature: string | null;
  keyId: string | null;
  publicKeyPem: string | null;
  /** Why the report is not signed, when it is not. */
  unsigned: string | null;
}

export const REPORT_STYLE = `body{font:13px/1.45 system-ui,sans-serif;margin:2em;color:#111}h1{font-size:20px}h2{font-size:15px;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:.4em 0}td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}th{background:#eee}
code,pre{font:11px/1.3 ui-monospace,monospace;word-break:break-all;white-space:pre-wrap}.warn{color:#a00;font-weight:bold}@media print{body{margin:0}}`;

const esc = (v: unknown): string => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const time = (t: number | null | undefined) => (t === null || t === undefined ? "" : new Date(t).toISOString());

function table(head: string[], rows: unknown[][]): string {
  if (rows.length === 0) return "<p>None.</p>";
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</table>`;
}

const figures = (s: Record<string, number> | undefined) =>
  s
    ? Object.entries(s)
        .map(([k, v]) => `${esc(k)}=${esc(v)}`)
        .join(", ")
    : "";

const eventRow = (e: TimelineEvent) => [
  esc(time(e.t)),
  esc(e.event),
  `<code>${esc(e.account ?? "")}</code>`,
  `<code>${esc(e.fingerprint ?? "")}</code>`,
  esc(e.action ?? ""),
  esc((e.reasons ?? []).join("; ")),
  esc(figures(e.signals)),
  esc(e.via ?? ""),
];
const EVENT_HEAD = ["time", "event", "account", "fingerprint", "action", "reasons", "figures", "via"];

export function reportHtml(p: ReportPayload, sig: SignatureBlock): string {
  const c = p.campaign;
  const signed = sig.signature
    ? `<p>Signed with ${esc(sig.algorithm)} over the ${esc(sig.canonicalization)} serialisation of the JSON report's <code>payload</code>. Key id <code>${esc(sig.keyId)}</code>.</p>
<p>Signature:</p><pre>${esc(sig.signature)}</pre><p>Public key:</p><pre>${esc(sig.publicKeyPem)}</pre>
<p>Verify the JSON form (<code>?format=json</code>) with <code>npm run verify-report -- FILE --public-key KEY.pem</code>.</p>`
    : `<p class="warn">Not signed. ${esc(sig.unsigned)}</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Campaign ${esc(c.id)}: evidence report</title><style>${REPORT_STYLE}</style></head><body>
<h1>Campaign <code>${esc(c.id)}</code>: evidence report</h1>
${table(
  ["generated", "mode", "action", "first seen", "last seen", "members", "fingerprints"],
  [[esc(p.generatedAt), esc(p.mode), esc(c.shadow ? `would ${c.action}` : c.action), esc(time(c.firstSeen)), esc(time(c.lastSeen)), esc(c.accounts.length), esc(c.fingerprints.length)]],
)}
<p>Reasons: ${esc(c.reasons.join("; "))}</p>
<h2>Members</h2>
${table(
  ["account", "flagged", "first seen", "last seen", "fingerprints"],
  c.members.map((m) => [
    `<code>${esc(m.account)}</code>`,
    esc(m.flagged ? `${m.flagged.action}${m.flagged.via ? ` (via ${m.flagged.via})` : ""}` : "linked by evidence"),
    esc(time(m.firstSeen)),
    esc(time(m.lastSeen)),
    `<code>${esc(m.fingerprints.join(" "))}</code>`,
  ]),
)}
<h2>Evidence</h2>
${table(
  ["link", "fingerprint", "accounts"],
  c.evidence.links.map((l) => [esc(l.kind), `<code>${esc(l.fingerprint)}</code>`, esc(l.accounts.length)]),
)}
${table(
  ["fingerprint", "flagged", "network", "JA4", "user agent", "ASN", "address range", "recent accounts"],
  c.evidence.clients.map((x) => [
    `<code>${esc(x.fingerprint)}</code>`,
    esc(x.flagged),
    esc(x.networkBound),
    `<code>${esc(x.ja4 ?? "")}</code>`,
    esc(x.ua ?? ""),
    esc(x.asn ?? ""),
    esc(x.prefix ?? ""),
    esc(x.recentAccounts),
  ]),
)}
<p>Timing: ${esc(c.evidence.timing.firstSeenCohort.accounts)} of ${esc(c.evidence.timing.members)} members first seen within one hour of each other; ${esc(c.evidence.timing.lastSeenCohort.accounts)} last seen within one hour.</p>
<h2>Verdicts and the figures behind them</h2>
${table(EVENT_HEAD, p.verdicts.map(eventRow))}
<h2>Coverage growth</h2>
${table(
  ["fingerprint", "epoch start", "requests", "distinct prompts", "templates", "topics", "window prompts"],
  c.coverage.flatMap((s) =>
    s.series.map((pt) => [`<code>${esc(s.fingerprint)}</code>`, esc(time(pt.start)), esc(pt.requests), esc(pt.prompts), esc(pt.templates), esc(pt.topics), esc(pt.window.prompts)]),
  ),
)}
<h2>Overrides taken</h2>
${table(EVENT_HEAD, p.overrides.map(eventRow))}
<h2>Timeline</h2>
${table(EVENT_HEAD, c.timeline.map(eventRow))}
<h2>Signature</h2>
${signed}
</body></html>`;
}
