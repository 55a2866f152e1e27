/**
 * The dashboard in a real browser against a real `wrangler dev`, with traffic sent first: it shows
 * what was flagged and why, and its buttons change what the guard does to the next request.
 * The screenshot goes to out/e2e/dashboard.png; `UPDATE_SCREENSHOT=1` also refreshes docs/dashboard.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testHeaders } from "../../../tools/test-headers";
import { launch, skipReason } from "./browser";
import { startGuard, type GuardServer } from "./guard-server";
import { ask, hydra, sweeper, T0, users } from "./traffic";

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
    expect(await page.locator(".chart svg").count()).toBe(4);
    // Each chart draws its threshold as a dashed line.
    expect(await page.locator(".chart svg polyline[stroke-dasharray]").count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator("#audit tr[data-action=block]").count()).toBeGreaterThan(0);
  });

  it("shows the accounts behind a flagged fingerprint, and saves a screenshot", async () => {
    await page.locator("#flagged-fingerprints tr[data-id]").first().click();
    await page.waitForSelector("#fp-accounts tr");
    expect(await page.locator("#fp-accounts tr").count()).toBeGreaterThan(5);
    expect(await page.locator(".chart svg").count()).toBe(4);
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
