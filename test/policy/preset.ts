/** The DETECTION_POLICY the workerd-policy project starts the Worker with (vitest.config.ts) and its test checks. */
export const CUSTOM_POLICY = { version: 2, minRequests: 30, blockScore: 100, escalateAfter: 1000 } as const;
