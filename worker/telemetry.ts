/**
 * One structured log line per refused or shadow-flagged request (JSON, ids and reasons only: never a
 * key or prompt), and counts to Workers Analytics Engine when the optional ANALYTICS binding exists.
 */
import type { Config } from "../core/config";
import type { Decision } from "../durable-objects/protocol";

export interface VerdictEvent {
  now: number;
  account: string;
  path: string;
  decision: Decision;
  failed: boolean;
}

export function logVerdict(env: Env, cfg: Config, e: VerdictEvent): void {
  const d = e.decision;
  const notable = d.action !== "allow" || d.shadow !== undefined || e.failed;
  if (notable) {
    console.log(
      JSON.stringify({
        event: "verdict",
        t: e.now,
        account: e.account,
        path: e.path,
        action: d.action,
        cause: d.cause,
        reasons: d.reasons,
        ...(d.shadow ? { shadow: d.shadow } : {}),
        mode: cfg.GUARD_MODE,
      }),
    );
  }
  env.ANALYTICS?.writeDataPoint({
    blobs: [d.action, d.cause, e.path, cfg.GUARD_MODE],
    doubles: [1, d.shadow ? 1 : 0],
    indexes: [e.account.slice(0, 32)],
  });
}
