/**
 * The development entry (`npm run dev`, tests, evals): the guard, with the built-in mock answering
 * when UPSTREAM_URL is unset. Production deploys worker/production.ts, which leaves the mock out.
 */
import { guardEntry } from "./entry";
import { mockUpstream, testOptions } from "./mock-upstream";

export { AccountGuard } from "../durable-objects/account-guard";
export { FingerprintGuard } from "../durable-objects/fingerprint-guard";
export { FrameGuard } from "../durable-objects/frame-guard";
export { GuardRegistry } from "../durable-objects/registry";
export { AuditLog } from "../durable-objects/audit-log";
export { OverviewStats } from "../durable-objects/overview-stats";

export default guardEntry((request, body, parsed, cfg) => mockUpstream(request, body, parsed, cfg.GUARD_TEST_MODE ? testOptions(request.headers) : {}));
