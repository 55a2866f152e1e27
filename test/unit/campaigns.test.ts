import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type AccountFacts, type FingerprintFacts, type FlaggedSubject, groupCampaigns, linkedAccounts } from "../../core/campaigns/group";
import { canonicalJson, loadSigningKey, signPayload, verifyPayload } from "../../core/campaigns/signing";
import { coarsen, literal, shareableUa, stixBundle, uuidV5 } from "../../core/campaigns/stix";
import { largestCohort, timingEvidence } from "../../core/campaigns/timing";
import { publicKeyFrom, verifyReport } from "../../tools/report-verify";

const T = 1_767_600_000_000;
const flag = (kind: FlaggedSubject["kind"], id: string, via?: string): FlaggedSubject => ({
  kind,
  id,
  action: "block",
  reasons: [`${id} reason`],
  since: T,
  until: null,
  shadow: false,
  ...(via ? { via } : {}),
});
const acct = (id: string, fingerprints: string[], firstSeen = T): AccountFacts => ({ id, fingerprints, firstSeen, lastSeen: firstSeen + 1000 });
const fp = (id: string, accounts: string[]): FingerprintFacts => ({ id, accounts: accounts.map((a) => ({ id: a, lastSeen: T })), firstSeen: T, lastSeen: T + 5000 });

describe("groupCampaigns", () => {
  const flagged = [flag("fingerprint", "sF"), flag("account", "a1", "sF"), flag("account", "a2", "sF"), flag("account", "b1"), flag("account", "d1"), flag("account", "d2")];
  const fps = [fp("sF", ["a1", "a2", "a3", "a4"])];
  const accounts = [acct("a1", ["sF"]), acct("a2", ["sF"]), acct("a3", ["sF"], T - 60_000), acct("a4", ["sF"]), acct("b1", ["sB"]), acct("d1", ["nG", "sX"]), acct("d2", ["nG"]), acct("c", ["sC"])];

  it("links a flagged fingerprint's recent accounts, adopted verdicts and fingerprints shared by flagged accounts", () => {
    const groups = groupCampaigns(flagged, accounts, fps);
    expect(groups).toHaveLength(3);
    const hydra = groups.find((g) => g.fingerprints.includes("sF"))!;
    expect(hydra.accounts).toEqual(["a1", "a2", "a3", "a4"]);
    expect(hydra.root).toBe("sF");
    expect(hydra.firstSeen).toBe(T - 60_000);
    expect(hydra.links.map((l) => l.kind).sort()).toEqual(["adopted-verdict", "behind-flagged-fingerprint"]);
    const shared = groups.find((g) => g.accounts.includes("d1"))!;
    expect(shared.accounts).toEqual(["d1", "d2"]);
    expect(shared.fingerprints).toEqual(["nG"]);
    expect(shared.root).toBe("d1");
    expect(shared.links).toEqual([{ kind: "shared-fingerprint", fingerprint: "nG", accounts: ["d1", "d2"] }]);
    const alone = groups.find((g) => g.accounts.includes("b1"))!;
    expect(alone.accounts).toEqual(["b1"]);
    expect(groups.some((g) => g.accounts.includes("c"))).toBe(false);
  });

  it("gives the same campaigns and roots whatever the order of its inputs", () => {
    const a = groupCampaigns(flagged, accounts, fps);
    const b = groupCampaigns([...flagged].reverse(), [...accounts].reverse(), fps);
    expect(b.map((g) => [g.root, g.accounts])).toEqual(a.map((g) => [g.root, g.accounts]));
  });

  it("asks for the accounts behind flagged fingerprints that are not flagged themselves", () => {
    expect(linkedAccounts(flagged, fps)).toEqual(["a3", "a4"]);
  });

  it("takes the most severe action and marks a campaign shadow only when every verdict is", () => {
    const g = groupCampaigns(
      [
        { ...flag("fingerprint", "sF"), action: "throttle", shadow: true },
        { ...flag("account", "a1", "sF"), shadow: false },
      ],
      [],
      fps,
    )[0]!;
    expect(g.action).toBe("block");
    expect(g.shadow).toBe(false);
  });
});

describe("timing evidence", () => {
  it("finds the largest cohort within the window", () => {
    const h = 3600_000;
    expect(largestCohort([0, 10, 20, 5 * h, 5 * h + 1], h)).toEqual({ accounts: 3, withinMs: h, from: 0, to: 20 });
    expect(largestCohort([], h).accounts).toBe(0);
    const t = timingEvidence([
      { firstSeen: 0, lastSeen: 100 },
      { firstSeen: 50, lastSeen: null },
      { firstSeen: null, lastSeen: 10 * h },
    ]);
    expect(t.firstSeenSpreadMs).toBe(50);
    expect(t.lastSeenSpreadMs).toBe(10 * h - 100);
  });
});

describe("STIX building blocks", () => {
  it("shortens kept address prefixes, never lengthens them, and shares none at 0", () => {
    expect(coarsen("203.0.113.0/24", 24, 48)).toBe("203.0.113.0/24");
    expect(coarsen("203.0.113.0/24", 16, 48)).toBe("203.0.0.0/16");
    expect(coarsen("203.0.113.0/24", 20, 48)).toBe("203.0.112.0/20");
    expect(coarsen("203.0.113.0/24", 0, 48)).toBeNull();
    expect(coarsen("2001:db8:1::/48", 24, 48)).toBe("2001:db8:1::/48");
    expect(coarsen("2001:db8:1::/48", 24, 32)).toBe("2001:db8::/32");
    expect(coarsen("2001:db8:ffff::/48", 24, 40)).toBe("2001:db8:ff00::/40");
    expect(coarsen("2001:db8:1::/48", 24, 0)).toBeNull();
    expect(coarsen("not a prefix", 24, 48)).toBeNull();
  });

  it("escapes pattern literals and drops user agents that look like they carry a credential", () => {
    expect(literal("it's a \\ path")).toBe("'it\\'s a \\\\ path'");
    expect(shareableUa("OpenAI/Python 1.30.1")).toBe("OpenAI/Python 1.30.1");
    expect(shareableUa("curl/8 sk-live-abcdef123456")).toBeNull();
    expect(shareableUa("x".repeat(300))).toBeNull();
    expect(shareableUa("client/1 Bearer abc")).toBeNull();
  });

  it("makes RFC 4122 version 5 UUIDs (the RFC's DNS example)", async () => {
    expect(await uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
  });

  it("builds a bundle of a campaign, its indicators and their relationships, without fingerprint ids", async () => {
    const source = { fingerprint: "n0123456789abcdef", ja4: "t13d_abc", ua: "bot/1 'quoted'", asn: 64500, prefix: "198.51.100.0/24", firstSeen: T, lastSeen: T + 10 };
    const b = await stixBundle({
      campaignId: "c0123456789abcdef",
      firstSeen: T,
      lastSeen: T + 10,
      action: "block",
      reasons: ["r"],
      now: T + 20,
      sources: [source, { ...source, fingerprint: "s1" }],
      prefixV4: 16,
      prefixV6: 48,
    });
    expect(b.objects.map((o) => o.type)).toEqual(["campaign", "indicator", "relationship"]);
    const ind = b.objects[1]!;
    expect(ind.pattern).toBe(
      "[network-traffic:x_ja4 = 't13d_abc' AND network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'bot/1 \\'quoted\\'' AND network-traffic:src_ref.value ISSUBSET '198.51.0.0/16'] AND [autonomous-system:number = 64500]",
    );
    expect(JSON.stringify(b)).not.toContain("n0123456789abcdef");
    // Same campaign and pattern, same ids: a receiver can de-duplicate re-exports.
    const again = await stixBundle({ campaignId: "c0123456789abcdef", firstSeen: T, lastSeen: T + 10, action: "block", reasons: ["r"], now: T + 99, sources: [source], prefixV4: 16, prefixV6: 48 });
    expect(again.objects.map((o) => o.id)).toEqual(b.objects.map((o) => o.id));
    expect(again.id).not.toBe(b.id);
  });
});

describe("report signing", () => {
  const pair = generateKeyPairSync("ed25519");
  const pem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const payload = { b: 1, a: [2, { d: "é", c: 0.5 }], z: null };

  it("serialises canonically: keys sorted, no whitespace", () => {
    expect(canonicalJson(payload)).toBe('{"a":[2,{"c":0.5,"d":"é"}],"b":1,"z":null}');
  });

  it("signs with a PEM, base64 or JWK key; the published key verifies with WebCrypto and with Node's crypto; one changed byte fails", async () => {
    const fromPem = await loadSigningKey(pem);
    const fromBase64 = await loadSigningKey(pem.replace(/-----[^-]+-----/g, "").replace(/\s/g, ""));
    const fromJwk = await loadSigningKey(JSON.stringify(pair.privateKey.export({ format: "jwk" })));
    expect(fromBase64.publicKey).toEqual(fromPem.publicKey);
    expect(fromJwk.publicKey).toEqual(fromPem.publicKey);
    expect(fromPem.publicKey.pem).toBe(pair.publicKey.export({ type: "spki", format: "pem" }).toString());
    const signature = await signPayload(fromPem, payload);
    expect(await verifyPayload(fromPem.publicKey.jwk.x, payload, signature)).toBe(true);
    const report = { algorithm: "Ed25519", signature, publicKey: fromPem.publicKey, payload };
    const published = publicKeyFrom(JSON.stringify(fromPem.publicKey));
    expect(verifyReport(report, published)).toMatchObject({ ok: true, embeddedKey: false });
    expect(verifyReport(report)).toMatchObject({ ok: true, embeddedKey: true });
    expect(verifyReport({ ...report, payload: { ...payload, b: 2 } }, published).ok).toBe(false);
    const sig = Buffer.from(signature, "base64");
    sig[5] = sig[5]! ^ 1;
    expect(verifyReport({ ...report, signature: sig.toString("base64") }, published).ok).toBe(false);
    const other = generateKeyPairSync("ed25519").publicKey;
    expect(verifyReport(report, other).ok).toBe(false);
    expect(verifyReport({ ...report, signature: null }, published)).toMatchObject({ ok: false, detail: expect.stringContaining("not signed") });
  });

  it("refuses a key that is not Ed25519 with an error that does not echo it", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    await expect(loadSigningKey(rsa)).rejects.toThrow(/not an Ed25519 private key/);
    await expect(loadSigningKey("not a key!")).rejects.toThrow(/PKCS#8/);
    await loadSigningKey(rsa).catch((err: Error) => expect(err.message).not.toContain(rsa.slice(40, 80)));
  });
});
