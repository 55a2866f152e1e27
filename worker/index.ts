/**
 * The edge entry. Bindings are validated when the module loads, so a production deployment without
 * GUARD_SECRET, or with test mode on, fails at startup instead of running with a weak default.
 */
import { env } from "cloudflare:workers";
import { configFor } from "../core/config";
import { guardContext } from "./context";
import { router } from "./router";

configFor(env);

export { AccountGuard } from "../durable-objects/account-guard";
export { FingerprintGuard } from "../durable-objects/fingerprint-guard";
export { FrameGuard } from "../durable-objects/frame-guard";
export { GuardRegistry } from "../durable-objects/registry";
export { AuditLog } from "../durable-objects/audit-log";
export { OverviewStats } from "../durable-objects/overview-stats";

export default {
  async fetch(request, env, ctx): Promise<Response> {
    return router.fetch(request, env, ctx, await guardContext(env));
  },
} satisfies ExportedHandler<Env>;
