/**
 * The flagged list keeps the most severe active verdict of a subject: a fingerprint's shards all
 * report under the fingerprint's id, and one shard's later, milder verdict must not hide another
 * shard's block from operators.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { guardRegistry, type FlagReport } from "../../durable-objects/registry";
import { operator, T0 } from "../support/client";

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

function fingerprint(): string {
  return `s${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

function report(id: string, action: FlagReport["action"], since: number, until: number | null, reason: string): FlagReport {
  return { kind: "fingerprint", id, action, reasons: [reason], since, until, shadow: false };
}

type Listed = { fingerprints: { id: string; action: string; until: number | null; reasons: string[] }[] };

async function listed(id: string, time: number) {
  const res = await operator("/_guard/v1/flagged", { time });
  expect(res.status).toBe(200);
  return ((await res.json()) as Listed).fingerprints.filter((f) => f.id === id);
}

describe("GuardRegistry across a fingerprint's shards", () => {
  it("keeps one shard's block when another shard later reports a throttle", async () => {
    const id = fingerprint();
    const registry = guardRegistry(env);
    await registry.report(report(id, "block", T0, T0 + WEEK, "shard 0: harvest"));
    await registry.report(report(id, "throttle", T0 + 60_000, T0 + 60_000 + 15 * 60_000, "shard 2: burst"));
    expect(await listed(id, T0 + 2 * 60_000)).toEqual([expect.objectContaining({ action: "block", until: T0 + WEEK, reasons: ["shard 0: harvest"] })]);
    // Still listed once the throttle would have lapsed.
    expect(await listed(id, T0 + HOUR)).toEqual([expect.objectContaining({ action: "block", until: T0 + WEEK })]);
  });

  it("keeps the longer of two blocks, and a block replaces a throttle", async () => {
    const id = fingerprint();
    const registry = guardRegistry(env);
    await registry.report(report(id, "throttle", T0, T0 + 15 * 60_000, "shard 1: burst"));
    await registry.report(report(id, "block", T0 + 1000, null, "shard 3: campaign"));
    await registry.report(report(id, "block", T0 + 2000, T0 + WEEK, "shard 0: harvest"));
    expect(await listed(id, T0 + HOUR)).toEqual([expect.objectContaining({ action: "block", until: null, reasons: ["shard 3: campaign"] })]);
  });

  it("lists a milder verdict once the block it followed has lapsed", async () => {
    const id = fingerprint();
    const registry = guardRegistry(env);
    await registry.report(report(id, "block", T0, T0 + HOUR, "shard 0: harvest"));
    await registry.report(report(id, "throttle", T0 + 2 * HOUR, T0 + 2 * HOUR + 15 * 60_000, "shard 2: burst"));
    expect(await listed(id, T0 + 2 * HOUR + 1000)).toEqual([expect.objectContaining({ action: "throttle", reasons: ["shard 2: burst"] })]);
  });
});
