import { DurableObject } from "cloudflare:workers";

export class AccountGuard extends DurableObject<Env> {
  async ping(): Promise<string> {
    return "pong";
  }
}
export class FingerprintGuard extends DurableObject<Env> {}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const stub = env.ACCOUNT_GUARD.getByName("x");
    return new Response(await stub.ping());
  },
} satisfies ExportedHandler<Env>;
