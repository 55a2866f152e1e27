/**
 * The production entry (`npm run deploy`, `[env.production]` in wrangler.toml): the guard without the
 * built-in mock upstream, which is not in this bundle. Production refuses to start without
 * UPSTREAM_URL, so nothing here ever needs it.
 */
import { guardEntry } from "./entry";

export { AccountGuard } from "../durable-objects/account-guard";
export { FingerprintGuard } from "../durable-objects/fingerprint-guard";
export { FrameGuard } from "../durable-objects/frame-guard";
export { GuardRegistry } from "../durable-objects/registry";
export { AuditLog } from "../durable-objects/audit-log";
export { OverviewStats } from "../durable-objects/overview-stats";

export default guardEntry(null);
