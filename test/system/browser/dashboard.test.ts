/**
 * The dashboard in a real browser against a real `wrangler dev`, with traffic sent first (people, a
 * sweeping key, and a hydra: many keys on one client sweeping together): it opens on an overview
 * whose numbers are the API's and what clients saw, shows the hydra as one campaign, shows what was
 * flagged and why, and its buttons change what the guard does to the next request.
 * Screenshots go to out/e2e/; `UPDATE_SCREENSHOT=1` also refreshes docs/dashboard.png,
 * docs/dashboard-overview.png and docs/dashboard-campaign.png.
 */
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testHeaders } from "../../../tools/test-headers";
import { launch, skipReason } from "./browser";
import { startGuard, type GuardServer } from "./guard-server";
import { ask, HYDRA_KEYS, hydra, hydraKey, seen, sweeper, T0, users } from "./traffic";

const HOUR = 3_600_000;
const OUTCOMES = ["served", "throttled", "blocked", "wouldThrottle", "wouldBlock"] as const;

interface Overview {
  totals: Record<string, number>;
}
interface Campaign {
  id: string;
  accounts: string[];
  fingerprints: string[];
  flagged: { accounts: number; fingerprints: number };
}
interface CampaignDetail extends Campaign {
  members: { account: string }[];
  evidence: { links: unknown[]; timing: { members: number }; clients: { fingerprint: string }[] };
  timeline: { event: string }[];
}
/** The hydra's client stack: a member's request must come from it to be that member's traffic. */
const HYDRA_CLIENT = { ja4: "t13d1812h2_85036bcba153_b0e7e7f4ec5f", ua: "OpenAI/Python 1.30.1", ip: "100.64.0.9", asn: 9009 };
/** A number as the page prints it (en-US grouping). */
const shown = (text: string) => Number(text.replaceAll(",", "").trim() || "0");

interface Dom {
  document: { body: { dataset: Record<string, string | undefined> } };
  sessionStorage: { getItem(k: string): string | null };
  localStorage: { length: number };
}
const skip = skipReason();
if (skip) console.warn(`e2e: skipped: ${skip}`);

describe.skipIf(skip !== null)("dashboard in chromium", () => {
  let guard: GuardServer;
  let browser: Browser;
  let page: Page;
  let now = 0;
  let hydraCampaign = "";

  const operator = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${guard.url}/_guard/v1${path}`, {
      method,
      headers: { "content-type": "application/json", ...testHeaders({ key: guard.token, time: now }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as T;
  };
  const accountOf = async (key: string) => (await operator<{ account: string }>("POST", "/accounts/lookup", { key })).account;

  /** Waits for the page to finish a refresh that started after `since`. */
  // The project's type set is the Workers runtime, not the DOM, hence the casts. Page-side code is
  // passed as functions (serialised, so self-contained): the page's CSP forbids evaluating strings.
  const refreshed = (since: number) => page.waitForFunction((t) => Number((globalThis as unknown as Dom).document.body.dataset.ready ?? 0) > t, since);

  beforeAll(async () => {
    guard = await startGuard();
    try {
      let t = await users(guard.url, T0);
      t = await sweeper(guard.url, "sk-e2e-sweeper", t + 60_000);
      t = await hydra(guard.url, t + 60_000);
      now = t + 1000;
      browser = await launch();
      page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      await page.goto(`${guard.url}/_guard/?at=${now}`);
      await page.fill("#token", guard.token);
      const since = Date.now();
      await page.click("#login-form button[type=submit]");
      await refreshed(since);
    } catch (err) {
      console.error(guard.log());
      throw err;
    }
  });

  afterAll(async () => {
    await browser?.close();
    await guard?.stop();
  });

  it("asks for the token once and keeps it for the session only", async () => {
    expect(await page.evaluate(() => (globalThis as unknown as Dom).sessionStorage.getItem("distill-guard-token"))).toBe(guard.token);
    expect(await page.evaluate(() => (globalThis as unknown as Dom).localStorage.length)).toBe(0);
    expect(await page.isHidden("#login")).toBe(true);
  });

  it("opens on the overview: its totals and causes are the API's, and those are what clients saw", async () => {
    // The page asks for the six hours up to the next full hour.
    const to = Math.ceil((now + 1) / HOUR) * HOUR;
    const api = await operator<Overview>("GET", `/overview?from=${to - 6 * HOUR}&to=${to}`);
    expect(seen.blocked).toBeGreaterThan(0);
    expect(api.totals).toMatchObject({ served: seen.served, throttled: seen.throttled, blocked: seen.blocked, wouldBlock: 0 });
    for (const k of OUTCOMES) expect(shown(await page.locator(`#ov-totals [data-total="${k}"] b`).innerText()), k).toBe(api.totals[k]);
    const causes = Object.keys(api.totals).filter((k) => k.includes("/") && api.totals[k]! > 0);
    expect(causes).toContain("blocked/extraction");
    for (const k of causes) expect(shown(await page.locator(`#ov-by-cause td[data-key="${k}"]`).innerText()), k).toBe(api.totals[k]);
    // About an hour of traffic in 15-minute buckets: enough points for charts over time.
    expect(await page.locator("#ov-charts .chart svg").count()).toBe(2);
    expect(await page.isHidden("#error")).toBe(true);
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: "out/e2e/dashboard-overview.png" });
    if (process.env.UPDATE_SCREENSHOT === "1") await page.screenshot({ path: "docs/dashboard-overview.png" });
  });

  it("shows the hydra as one campaign, with its members, evidence and timeline, on the campaign page", async () => {
    const { campaigns } = await operator<{ campaigns: Campaign[] }>("GET", "/campaigns");
    const hydraIds = await Promise.all(Array.from({ length: HYDRA_KEYS }, (_, i) => accountOf(hydraKey(i))));
    const holding = campaigns.filter((c) => c.accounts.some((a) => hydraIds.includes(a)));
    expect(holding.length).toBe(1);
    const campaign = holding[0]!;
    for (const id of hydraIds) expect(campaign.accounts).toContain(id);
    const people = await Promise.all(Array.from({ length: 6 }, (_, u) => accountOf(`sk-e2e-user-${u}`)));
    for (const c of campaigns) for (const id of people) expect(c.accounts).not.toContain(id);
    hydraCampaign = campaign.id;
    const detail = await operator<CampaignDetail>("GET", `/campaigns/${campaign.id}`);

    await page.locator(`#campaigns tr[data-id="${campaign.id}"]`).click();
    await page.waitForSelector(`#campaign-id:text("${campaign.id}")`);
    expect(await page.isHidden("#error")).toBe(true);
    // Members: every hydra key's account, nobody else's.
    expect(await page.locator("#campaign-members tr").count()).toBe(detail.members.length);
    expect(detail.members.map((m) => m.account).sort()).toEqual([...campaign.accounts].sort());
    for (const id of hydraIds) expect(await page.locator(`#campaign-members tr[data-id="${id}"]`).count()).toBe(1);
    const text = await page.locator("#campaign-body").innerText();
    for (const id of people) expect(text).not.toContain(id);
    // Evidence: the links that joined them, their timing, and the clients behind them.
    expect(detail.evidence.links.length).toBeGreaterThan(0);
    expect(await page.locator("#campaign-links tr").count()).toBe(detail.evidence.links.length);
    expect(await page.locator("#campaign-timing").innerText()).toMatch(new RegExp(`\\d+ of ${detail.evidence.timing.members} members first seen within`));
    expect(await page.locator("#campaign-clients tr").count()).toBe(detail.evidence.clients.length);
    for (const x of detail.evidence.clients) expect(await page.locator(`#campaign-clients tr[data-id="${x.fingerprint}"]`).count()).toBe(1);
    expect(await page.locator("#campaign-fingerprints .chip").count()).toBe(campaign.fingerprints.length);
    // Timeline: every entry, with the verdicts among them.
    const verdicts = detail.timeline.filter((e) => e.event === "verdict").length;
    expect(verdicts).toBeGreaterThan(0);
    expect(await page.locator("#campaign-timeline tr").count()).toBe(detail.timeline.length);
    expect(await page.locator("#campaign-timeline tr[data-event=verdict]").count()).toBe(verdicts);
    await page.screenshot({ path: "out/e2e/dashboard-campaign.png", fullPage: true });
    if (process.env.UPDATE_SCREENSHOT === "1") await page.screenshot({ path: "docs/dashboard-campaign.png", fullPage: true });
  });

  it("downloads the campaign's signed evidence report and STIX bundle, and opens the printable report", async () => {
    const [json] = await Promise.all([page.waitForEvent("download"), page.click("#camp-report-json")]);
    const report = JSON.parse(readFileSync((await json.path())!, "utf8")) as { payload: { campaign: { id: string; members: unknown[] } } };
    expect(report.payload.campaign.id).toBe(hydraCampaign);
    expect(report.payload.campaign.members.length).toBeGreaterThanOrEqual(HYDRA_KEYS);
    const [stix] = await Promise.all([page.waitForEvent("download"), page.click("#campaign-stix")]);
    expect(stix.suggestedFilename()).toBe(`${hydraCampaign}.stix.json`);
    const bundle = JSON.parse(readFileSync((await stix.path())!, "utf8")) as { type: string; objects: { type: string }[] };
    expect(bundle.type).toBe("bundle");
    expect(bundle.objects.some((o) => o.type === "campaign")).toBe(true);
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#camp-report-html")]);
    await popup.waitForLoadState();
    expect(await popup.locator("body").innerText()).toContain(hydraCampaign);
    // The report's own style applies under the dashboard's policy, which the blob: page inherits.
    expect(await popup.locator("h1").evaluate((h) => (globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(h).fontSize)).toBe("20px");
    await popup.close();
    expect(await page.isHidden("#campaign-result")).toBe(true);

    const since = Date.now();
    await page.click("#campaign-back");
    await refreshed(since);
    expect(await page.isVisible("#overview")).toBe(true);
  });

  it("lists the flagged accounts and fingerprints with reasons, and charts one of them against the thresholds", async () => {
    const sweeperId = await accountOf("sk-e2e-sweeper");
    const row = page.locator(`#flagged-accounts tr[data-id="${sweeperId}"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toMatch(/block/i);
    expect(await row.locator(".reasons").innerText()).toMatch(/\w+/);
    expect(await page.locator("#flagged-fingerprints tr[data-id]").count()).toBeGreaterThan(0);

    await row.click();
    await page.waitForSelector(`#detail-id:text("${sweeperId}")`);
    expect(await page.locator("#detail-reasons li").count()).toBeGreaterThan(0);
    // The sweep fits in one epoch: too few points for a line, so each chart's figures are numbers
    // beside their thresholds (a chart draws a threshold as a dashed line).
    expect(await page.locator("#detail-body .chart").count()).toBe(4);
    expect(await page.locator("#detail-body .chart table.numbers").count()).toBe(4);
    for (const header of await page.locator("#detail-body .chart table.numbers thead").allInnerTexts()) expect(header).toMatch(/window so far\s+\S/);
    expect(await page.locator("#audit tr[data-action=block]").count()).toBeGreaterThan(0);
    // Why it blocked, in words that match the figures; no list ends in an unexplained count.
    const why = await page.locator("#detail-why").innerText();
    expect(why).toMatch(/score [\d.]+ ≥ block score|throttled requests \(escalation\)|repeat offence|client fingerprint/);
    expect(await page.locator("#flagged-accounts").innerText()).not.toMatch(/\(\+\d+\)/);
    // Signal chips: a human label, the value and the policy's threshold, never an internal name.
    const chips = await page.locator("#detail-signals .chip").allInnerTexts();
    expect(chips.length).toBeGreaterThan(3);
    for (const chip of chips) expect(chip).not.toMatch(/[a-z][A-Z]/);
    expect(await page.locator('#detail-signals .chip[data-signal="templateRatio"]').innerText()).toMatch(/^template ratio [\d.]+ [<>=] 0\.2$/);
  });

  it("shows the accounts behind a flagged fingerprint, and saves a screenshot", async () => {
    await page.locator("#flagged-fingerprints tr[data-id]").first().click();
    await page.waitForSelector("#fp-accounts tr");
    expect(await page.locator("#fp-accounts tr").count()).toBeGreaterThan(5);
    expect(await page.locator("#detail-body .chart").count()).toBe(4);
    const shot = await page.screenshot({ path: "out/e2e/dashboard.png" });
    expect(shot.byteLength).toBeGreaterThan(20_000);
    if (process.env.UPDATE_SCREENSHOT === "1") await page.screenshot({ path: "docs/dashboard.png" });
  });

  it("deny-lists an account with its button: the account's next request is refused with 403", async () => {
    const key = "sk-e2e-user-0";
    expect((await ask(guard.url, key, now + 500, { model: "m", messages: [{ role: "user", content: "hello" }] })).status).toBe(200);
    const id = await accountOf(key);
    await page.fill("#open-id", id);
    await page.click("#open-form button");
    await page.waitForSelector(`#detail-id:text("${id}")`);
    await page.fill("#act-reason", "e2e: resold access");
    const since = Date.now();
    await page.click("#act-deny");
    await refreshed(since);
    await page.waitForSelector("#detail-override");

    const r = await ask(guard.url, key, now + 1000, { model: "m", messages: [{ role: "user", content: "hello again" }] });
    expect(r.status).toBe(403);
    expect(r.debug?.cause).toBe("override");
    expect(await page.locator("#overrides tr[data-id]").filter({ hasText: "deny-list" }).count()).toBeGreaterThan(0);
    expect(await page.locator("#audit tr[data-action=deny-list]").count()).toBe(1);
  });

  it("lifts a block with its button: the next request passes and the audit trail shows the lift", async () => {
    const id = await accountOf("sk-e2e-sweeper");
    await page.locator(`#flagged-accounts tr[data-id="${id}"]`).click();
    await page.waitForSelector(`#detail-id:text("${id}")`);
    await page.fill("#act-reason", "e2e: reviewed, a course generator");
    const since = Date.now();
    await page.click("#act-lift");
    await refreshed(since);
    await expect.poll(() => page.locator("#detail-verdict").innerText()).toMatch(/allow/i);
    expect(await page.locator(`#flagged-accounts tr[data-id="${id}"]`).count()).toBe(0);
    expect(await page.locator("#audit tr[data-action=lift]").count()).toBe(1);

    const r = await ask(
      guard.url,
      "sk-e2e-sweeper",
      now + 2000,
      { model: "m", messages: [{ role: "user", content: "one more question about volcanoes" }] },
      { ip: "203.0.113.50", ua: "curl/8.5.0", ja4: "t13d_sweeper" },
    );
    expect(r.status).toBe(200);
  });

  // Last: its deny-list and lift write audit entries the single-account steps above count.
  it("deny-lists the hydra's campaign with one confirmed action: members are refused, people served; a lift serves them again", async () => {
    const member = hydraKey(3);
    const ordinary = "sk-e2e-user-1";
    const hello = (content: string) => ({ model: "m", messages: [{ role: "user", content }] });
    let since = Date.now();
    await page.locator(`#campaigns tr[data-id="${hydraCampaign}"]`).click();
    await refreshed(since);
    await page.waitForSelector(`#campaign-id:text("${hydraCampaign}")`);

    // Nothing is sent before the confirmation.
    await page.fill("#camp-reason", "e2e: one operator behind 24 keys");
    await page.click("#camp-deny");
    expect(await page.locator("#camp-confirm-text").innerText()).toMatch(new RegExp(`Deny-list the ${HYDRA_KEYS} member accounts`));
    await page.click("#camp-confirm-no");
    expect(await page.isHidden("#camp-confirm")).toBe(true);
    expect(await page.isHidden("#campaign-result")).toBe(true);
    await page.click("#camp-deny");
    since = Date.now();
    await page.click("#camp-confirm-yes");
    await refreshed(since);
    expect(await page.locator("#campaign-result").innerText()).toMatch(new RegExp(`^Deny-listed ${HYDRA_KEYS} accounts and \\d+ fingerprints of campaign ${hydraCampaign}`));
    expect(await page.isHidden("#error")).toBe(true);

    const denied = await ask(guard.url, member, now + 3000, hello("one more, please"), HYDRA_CLIENT);
    expect(denied.status).toBe(403);
    expect(denied.debug?.cause).toBe("override");
    expect((await ask(guard.url, ordinary, now + 3100, hello("and the weather there?"), { ip: "198.51.100.11", ua: "Mozilla/5.0", ja4: "t13d_browser" })).status).toBe(200);

    await page.fill("#camp-reason", "e2e: reviewed, a research partner");
    await page.click("#camp-lift");
    expect(await page.isChecked("#camp-clear")).toBe(true);
    since = Date.now();
    await page.click("#camp-confirm-yes");
    await refreshed(since);
    const lifted = await page.locator("#campaign-result").innerText();
    expect(lifted).toMatch(new RegExp(`^Cleared the overrides of and lifted ${HYDRA_KEYS} accounts`));
    expect(await page.isHidden("#error")).toBe(true);
    // With every member lifted, nothing of it is flagged: the campaign is over.
    expect(await page.locator("#campaign-missing").count()).toBe(1);

    expect((await ask(guard.url, member, now + 3200, hello("one more, please"), HYDRA_CLIENT)).status).toBe(200);
    const audit = await operator<{ entries: { action: string; via?: string | null }[] }>("GET", `/audit?limit=500`);
    const via = audit.entries.filter((e) => e.via === `campaign:${hydraCampaign}`);
    expect(via.filter((e) => e.action === "deny-list").length).toBeGreaterThanOrEqual(HYDRA_KEYS);
    expect(via.filter((e) => e.action === "lift").length).toBeGreaterThanOrEqual(HYDRA_KEYS);
  });
});
