/**
 * IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): structured-field lists with
 * one item per policy: `q` quota, `w` window seconds in RateLimit-Policy; `r` remaining and `t`
 * seconds to reset in RateLimit.
 */
import type { LimitState } from "../durable-objects/protocol";

export function rateLimitHeaders(limits: LimitState[]): Record<string, string> {
  if (limits.length === 0) return {};
  return {
    "RateLimit-Policy": limits.map((l) => `"${l.name}";q=${l.quota};w=${l.windowS}`).join(", "),
    RateLimit: limits.map((l) => `"${l.name}";r=${Math.max(0, Math.floor(l.remaining))};t=${Math.max(0, Math.ceil(l.resetS))}`).join(", "),
  };
}
