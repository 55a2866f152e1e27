/**
 * The shadow-mode report in the browser: nothing is refused for extraction, and the dashboard says
 * what enforcement would have done.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testHeaders } from "../../../tools/test-headers";
import { launch, skipReason } from "./browser";
import { startGuard, type GuardServer } from "./guard-server";
import { sweep, T0 } from "./traffic";

const skip = skipReason();

describe.skipIf(skip !== null)("dashboard in shadow mode", () => {
  let guard: GuardServer;
  let browser: Browser;
  let page: Page;
  let now = 0;
  let shadowAction: string | null = null;

  beforeAll(async () => {
    guard = await startGuard({ GUARD_MODE: "shadow" });
    try {
      const run = await sweep(guard.url, "sk-e2e-shadow-sweeper", T0, 120);
      now = run.t + 1000;
      shadowAction = run.shadow;
      browser = await launch();
      page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      await page.goto(`${guard.url}/_guard/?at=${now}`);
      await page.fill("#token", guard.token);
      await page.click("#login-form button[type=submit]");
      await page.waitForSelector("#flagged-accounts tr[data-id]");
    } catch (err) {
      console.error(guard.log());
      throw err;
    }
  });

  afterAll(async () => {
    await browser?.close();
    await guard?.stop();
  });

  it("serves the sweep but lists the account with what enforcement would have done", async () => {
    expect(shadowAction).toBe("block");
    expect(await page.isVisible("#shadow-banner")).toBe(true);
    expect(await page.locator("#mode").innerText()).toBe("shadow");
    const row = page.locator("#flagged-accounts tr[data-id]").first();
    expect(await row.innerText()).toMatch(/would block/i);
    await row.click();
    await page.waitForSelector("#detail-verdict");
    expect(await page.locator("#detail-verdict").innerText()).toMatch(/would block/i);
    expect(await page.locator("#audit tr[data-action=block] .badge").first().innerText()).toMatch(/would block/i);
  });

  it("counts on the overview every sweep request served and those enforcement would have blocked, as the API does", async () => {
    const to = Math.ceil((now + 1) / 3_600_000) * 3_600_000;
    const res = await fetch(`${guard.url}/_guard/v1/overview?from=${to - 6 * 3_600_000}&to=${to}`, { headers: testHeaders({ key: guard.token, time: now }) });
    const { totals } = (await res.json()) as { totals: Record<string, number> };
    expect(totals).toMatchObject({ served: 120, blocked: 0, throttled: 0 });
    expect(totals.wouldBlock).toBeGreaterThan(0);
    const shown = async (k: string) => Number((await page.locator(`#ov-totals [data-total="${k}"] b`).innerText()).replaceAll(",", ""));
    expect(await shown("served")).toBe(totals.served);
    expect(await shown("wouldBlock")).toBe(totals.wouldBlock);
    expect(await shown("wouldThrottle")).toBe(totals.wouldThrottle);
  });
});
