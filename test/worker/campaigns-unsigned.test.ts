/** Without EVIDENCE_SIGNING_KEY (this project sets none) a campaign's report is served unsigned and says so. */
import { describe, expect, it } from "vitest";
import { freshKey, operator, T0 } from "../support/client";
import { accountIdOf, op, sweep } from "../support/operator-flow";

describe("evidence reports without a signing key", () => {
  it("serve the report unsigned, saying so, and answer 404 for the public key", async () => {
    const key = freshKey("unsigned");
    const { t, last } = await sweep(key, T0, { until: "block", max: 200, ja4: "t13d_unsigned", ua: "unsigned-sweeper/1" });
    expect(last.action).toBe("block");
    const id = await accountIdOf(key, t);
    const list = await op<{ campaigns: { id: string; accounts: string[] }[] }>("GET", "/_guard/v1/campaigns", undefined, t + 1);
    const campaign = list.body.campaigns.find((c) => c.accounts.includes(id));
    expect(campaign).toBeDefined();
    const report = await op<{ signed: boolean; signature: string | null; publicKey: unknown; unsigned: string; payload: { campaign: { id: string } } }>(
      "GET",
      `/_guard/v1/campaigns/${campaign!.id}/report`,
      undefined,
      t + 1,
    );
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ signed: false, signature: null, publicKey: null });
    expect(report.body.unsigned).toContain("EVIDENCE_SIGNING_KEY is not set");
    expect(report.body.payload.campaign.id).toBe(campaign!.id);
    const html = await (await operator(`/_guard/v1/campaigns/${campaign!.id}/report?format=html`, { time: t + 1 })).text();
    expect(html).toContain("Not signed.");
    const pub = await op<{ error: { type: string; message: string } }>("GET", "/_guard/v1/evidence-key", undefined, t + 1);
    expect(pub.status).toBe(404);
    expect(pub.body.error.message).toContain("EVIDENCE_SIGNING_KEY is not set");
  });
});
