/**
 * The Worker under test for the fault projects: the real entry point, plus Durable Object classes
 * that fail on demand. vitest.config.ts binds ACCOUNT_GUARD and FINGERPRINT_GUARD to these classes
 * for those projects only; wrangler.toml and production never see them.
 */
import { AccountGuard } from "../../durable-objects/account-guard";
import { FingerprintGuard } from "../../durable-objects/fingerprint-guard";
import type { AccountObservation, Decision, FingerprintObservation } from "../../durable-objects/protocol";
import { faults, inject } from "./switch";

export { default, AccountGuard, FingerprintGuard, FrameGuard, GuardRegistry, OverviewStats } from "../../worker/index";

export class FaultyAccountGuard extends AccountGuard {
  override async observe(obs: AccountObservation): Promise<Decision> {
    await inject(faults.accounts.get(this.ctx.id.name ?? ""));
    return super.observe(obs);
  }
}

export class FaultyFingerprintGuard extends FingerprintGuard {
  override async observe(obs: FingerprintObservation): ReturnType<FingerprintGuard["observe"]> {
    await inject(faults.fingerprints);
    return super.observe(obs);
  }

  override async verdict(now: number): ReturnType<FingerprintGuard["verdict"]> {
    await inject(faults.fingerprints);
    return super.verdict(now);
  }
}
