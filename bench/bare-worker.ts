/**
 * The bare pass-through Worker of table 2: the guard's own forwarding (worker/proxy.ts) to the same
 * upstream, with nothing inspected (no key, no body read, no Durable Object).
 */
import { forward } from "../worker/proxy";

interface BareEnv {
  UPSTREAM_URL: string;
}

export default {
  async fetch(request: Request, env: BareEnv): Promise<Response> {
    return forward(request, null, env.UPSTREAM_URL, 120_000);
  },
};
