/**
 * The dashboard in a real browser against a real `wrangler dev`, with traffic sent first (people, a
 * sweeping key, and a hydra: many keys on one client sweeping together): it opens on an overview
 * whose numbers are the API's and what clients saw, shows the hydra as one campaign, shows what was
 * flagged and why, and its buttons change what the guard does to the next request.
 * Screenshots go to out/e2e/; `UPDATE_SCREENSHOT=1` also refreshes docs/dashboard.png,
 * docs/dashboard-overview.png and docs/dashboard-campaign.png.
 */
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
  accounts: (string | { id: string })[];
  fingerprints: unknown[];
  evidence?: unknown[];
}
const idOf = (a: string | { id: string }) => (typeof a === "string" ? a : a.id);
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

  it("shows the hydra as one campaign, with its members and the evidence, on the campaign page", async (ctx) => {
    const res = await fetch(`${guard.url}/_guard/v1/campaigns`, { headers: testHeaders({ key: guard.token, time: now }) });
    if (res.status === 404) {
      await res.arrayBuffer();
      // The overview says so instead of failing; the campaign page itself needs the API.
      expect(await page.locator("#campaigns-unavailable").count()).toBe(1);
      expect(await page.isHidden("#error")).toBe(true);
      console.warn("e2e: campaign page step skipped: GET /_guard/v1/campaigns answered 404 (the campaigns API is not in this build); rerun once it is merged");
      ctx.skip();
      return;
    }
    const { campaigns } = (await res.json()) as { campaigns: Campaign[] };
    const hydraIds = await Promise.all(Array.from({ length: HYDRA_KEYS }, (_, i) => accountOf(hydraKey(i))));
    const holding = campaigns.filter((c) => c.accounts.some((a) => hydraIds.includes(idOf(a))));
    expect(holding.length).toBe(1);
    const campaign = holding[0]!;
    for (const id of hydraIds) expect(campaign.accounts.map(idOf)).toContain(id);
    const people = await Promise.all(Array.from({ length: 6 }, (_, u) => accountOf(`sk-e2e-user-${u}`)));
    for (const c of campaigns) for (const id of people) expect(c.accounts.map(idOf)).not.toContain(id);
    const detail = await operator<Campaign>("GET", `/campaigns/${campaign.id}`);

    await page.locator(`#campaigns tr[data-id="${campaign.id}"]`).click();
    await page.waitForSelector(`#campaign-id:text("${campaign.id}")`);
    expect(await page.locator("#campaign-members tr").count()).toBe(campaign.accounts.length);
    for (const id of hydraIds) expect(await page.locator(`#campaign-members tr[data-id="${id}"]`).count()).toBe(1);
    expect(detail.evidence?.length ?? 0).toBeGreaterThan(0);
    expect(await page.locator("#campaign-evidence li").count()).toBe(detail.evidence!.length);
    expect(await page.locator("#campaign-fingerprints .chip").count()).toBe(campaign.fingerprints.length);
    await page.screenshot({ path: "out/e2e/dashboard-campaign.png", fullPage: true });
    if (process.env.UPDATE_SCREENSHOT === "1") await page.screenshot({ path: "docs/dashboard-campaign.png", fullPage: true });
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
});
