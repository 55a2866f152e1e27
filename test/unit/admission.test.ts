import { describe, expect, it } from "vitest";
import { admit, endUserQuotas, settle, type Charged, type Quotas, type Tats } from "../../core/admission";
import { charge, peek } from "../../core/limits";
import { EndUserLimits } from "../../durable-objects/end-user-limits";

const quotas: Quotas = { requests: { name: "requests", quota: 600, periodMs: 60_000 }, tokens: { name: "tokens", quota: 2_000_000, periodMs: 60_000 } };
const T = 1_000_000_000;

function run(tats: Tats, prompt: number, completion: number, now: number): { tats: Tats; allowed: boolean } {
  const adm = admit({ quotas, tats }, null, prompt, now);
  if (!adm.allowed) return { tats, allowed: false };
  return { tats: settle({ quotas, tats: adm.account }, completion, now), allowed: true };
}

describe("charging tokens afterwards", () => {
  it("admits a request whatever its max_tokens: only the prompt is charged at admission", () => {
    const adm = admit({ quotas, tats: { requests: 0, tokens: 0 } }, null, 50, T);
    expect(adm.allowed).toBe(true);
    expect(adm.states.find((s) => s.name === "tokens")!.remaining).toBe(2_000_000 - 50);
  });

  it("runs an account with long answers out of tokens within the period, not one with short answers", () => {
    let long: Tats = { requests: 0, tokens: 0 };
    let short: Tats = { requests: 0, tokens: 0 };
    let longServed = 0;
    let shortServed = 0;
    let firstRefusal: number | null = null;
    // 200 requests in 40 s: 64k-token answers spend the 2M quota in about 31 answers, then get
    // only what refills (2M a minute)
    for (let i = 0; i < 200; i++) {
      const now = T + i * 200;
      const l = run(long, 100, 64_000, now);
      long = l.tats;
      if (l.allowed) longServed++;
      else firstRefusal ??= now;
      const s = run(short, 100, 300, now);
      short = s.tats;
      if (s.allowed) shortServed++;
    }
    expect(shortServed).toBe(200);
    expect(firstRefusal).not.toBeNull();
    expect(firstRefusal! - T).toBeLessThan(10_000);
    expect(longServed).toBeLessThanOrEqual(Math.ceil((2_000_000 + (2_000_000 * 40) / 60) / 64_100) + 1);
  });

  it("refuses after a debt until it is paid, with the exact wait", () => {
    const tats = settle({ quotas, tats: { requests: 0, tokens: 0 } }, 2_500_000, T);
    const adm = admit({ quotas, tats }, null, 10, T);
    expect(adm.allowed).toBe(false);
    expect(adm.refused?.which).toBe("token");
    // 500k tokens of debt plus the prompt, at 2M per minute
    expect(adm.retryAfterMs).toBe(Math.ceil((500_010 * 60_000) / 2_000_000));
    expect(admit({ quotas, tats }, null, 10, T + adm.retryAfterMs).allowed).toBe(true);
  });

  it("caps the debt of one huge answer at one period past a spent quota", () => {
    const l = quotas.tokens;
    const tat = charge(l, 0, T, 50_000_000);
    expect(tat).toBe(T + 2 * l.periodMs);
    expect(peek(l, tat, T + 2 * l.periodMs)).toBe(l.quota);
    // and never moves a time back
    expect(charge(l, T + 5 * l.periodMs, T, 1)).toBe(T + 5 * l.periodMs);
  });
});

describe("end-user shares", () => {
  const eu = endUserQuotas(quotas, 0.5, 0.1)!;

  it("is off unless a share is set, and gives each end user a share of the account's quota", () => {
    expect(endUserQuotas(quotas, 0, 0)).toBeNull();
    expect(eu.requests.quota).toBe(300);
    expect(eu.tokens.quota).toBe(200_000);
    expect(endUserQuotas(quotas, 0, 0.1)!.requests.quota).toBe(600);
  });

  it("refuses one end user past its share and charges nothing, while the account and another end user pass", () => {
    const account: Charged = { quotas, tats: { requests: 0, tokens: 0 } };
    const spent: Charged = { quotas: eu, tats: settle({ quotas: eu, tats: { requests: 0, tokens: 0 } }, 200_000, T) };
    const adm = admit(account, spent, 100, T);
    expect(adm.allowed).toBe(false);
    expect(adm.refused?.which).toBe("end-user token");
    expect(adm.account).toBe(account.tats);
    expect(adm.states.map((s) => s.name)).toEqual(["requests", "tokens", "end-user-requests", "end-user-tokens"]);
    const other = admit(account, { quotas: eu, tats: { requests: 0, tokens: 0 } }, 100, T);
    expect(other.allowed).toBe(true);
    expect(other.states.find((s) => s.name === "end-user-tokens")!.remaining).toBe(200_000 - 100);
  });

  it("keeps a bounded table, dropping whole entries first and then the least recently seen", () => {
    const t = new EndUserLimits(3);
    t.set("a", { requests: T + 1000, tokens: T }, T);
    t.set("b", { requests: T - 1, tokens: T - 1 }, T);
    t.set("c", { requests: T + 1000, tokens: T }, T);
    t.set("d", { requests: T + 1000, tokens: T }, T);
    expect(t.size).toBe(3);
    expect(t.get("b")).toEqual({ requests: 0, tokens: 0 });
    t.set("a", { requests: T + 2000, tokens: T }, T);
    t.set("e", { requests: T + 1000, tokens: T }, T);
    expect(t.get("c")).toEqual({ requests: 0, tokens: 0 });
    expect(t.get("a").requests).toBe(T + 2000);
    const copy = new EndUserLimits(3);
    copy.load(t.save());
    expect(copy.save()).toEqual(t.save());
  });
});
