/**
 * The baseline of `npm run load`: a Worker that answers every request with "ok" and keeps nothing,
 * run under the same `wrangler dev` and load as the guard, so the RSS that workerd and wrangler's
 * dev proxy grow by themselves under load can be told apart from anything the guard retains.
 */
export default {
  async fetch(): Promise<Response> {
    return new Response("ok");
  },
};
