/**
 * Test-only fault switches, shared by the test files and the faulty Durable Object classes (they run
 * in the same isolate under @cloudflare/vitest-plugin). Nothing in worker/ or durable-objects/
 * imports this: production code has no fault hook.
 */
export type Fault = "throw" | "stall" | "overload";

export const faults = {
  /** account id → fault of that account's object */
  accounts: new Map<string, Fault>(),
  /** fault of every fingerprint object, or null */
  fingerprints: null as Fault | null,
  /** how long a stalled object takes before it answers after all */
  stallMs: 3000,
};

/** What a Durable Object does under `fault`: throw, stall past the Worker's timeout, or refuse as overloaded. */
export async function inject(fault: Fault | null | undefined): Promise<void> {
  switch (fault) {
    case "throw":
      throw new Error("injected fault: the object threw");
    case "overload":
      // The shape workerd gives an overloaded object's callers.
      throw Object.assign(new Error("Durable Object is overloaded. Too many requests queued."), { overloaded: true, retryable: false });
    case "stall":
      await new Promise((resolve) => setTimeout(resolve, faults.stallMs));
      return;
    default:
      return;
  }
}
