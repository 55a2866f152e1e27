/**
 * Debian's chromium driven by playwright-core, headless. The flags keep it offline and quiet: no
 * sandbox (containers), no GPU, no background or component updates, no sync, no QUIC.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";

/** Why the browser tests cannot run here, or null. In CI (CI=true) a missing chromium is a failure, not a skip. */
export function skipReason(): string | null {
  if (existsSync(CHROMIUM)) return null;
  if (process.env.CI === "true") return null;
  return `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` to run the dashboard's browser tests`;
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
  });
}
