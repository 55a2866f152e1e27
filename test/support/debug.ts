export interface Debug {
  action: "allow" | "throttle" | "block";
  cause: string;
  reasons: string[];
  shadow?: { action: string; reasons: string[] };
}

/** The test-mode verdict header (only sent when GUARD_TEST_MODE is "true"). */
export function debugOf(res: Response): Debug | null {
  const h = res.headers.get("x-guard-debug");
  return h ? (JSON.parse(h) as Debug) : null;
}
