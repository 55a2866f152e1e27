/**
 * What both entries share: bindings validated when the module loads (a production deployment without
 * GUARD_SECRET or UPSTREAM_URL, or with test mode on, fails at startup instead of running with a weak
 * default), and the fetch handler. The entries differ only in what answers without an upstream.
 */
import { env } from "cloudflare:workers";
import { configFor } from "../core/config";
import { guardContext, type LocalUpstream } from "./context";
import { router } from "./router";

export function guardEntry(localUpstream: LocalUpstream | null) {
  configFor(env);
  return {
    async fetch(request, env, ctx): Promise<Response> {
      return router.fetch(request, env, ctx, await guardContext(env, localUpstream));
    },
  } satisfies ExportedHandler<Env>;
}
