/**
 * A minimal Chrome DevTools Protocol client for wrangler's inspector proxy (which accepts only
 * connections that send an Origin header), for the V8 heap of a Worker's isolate.
 */

export interface HeapUsage {
  /** bytes of live JS objects in the Worker's isolate (its Durable Objects included) */
  used: number;
  /** bytes the isolate's heap has reserved */
  total: number;
}

export class Inspector {
  private ws: WebSocket | null = null;
  private opening: Promise<WebSocket | null> | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();

  constructor(private readonly url: string) {}

  private open(): Promise<WebSocket | null> {
    this.opening ??= new Promise((resolve) => {
      // Node's WebSocket (undici) takes headers in its second argument.
      const ws = new WebSocket(this.url, { headers: { Origin: "http://127.0.0.1" } } as unknown as string[]);
      const timer = setTimeout(() => resolve(null), 5000);
      ws.addEventListener("open", () => {
        clearTimeout(timer);
        this.ws = ws;
        resolve(ws);
      });
      ws.addEventListener("error", () => resolve(null));
      ws.addEventListener("message", (m) => {
        const msg = JSON.parse(String(m.data)) as { id?: number; result?: unknown };
        if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
        if (msg.id !== undefined) this.pending.delete(msg.id);
      });
    });
    return this.opening;
  }

  private async call(method: string): Promise<unknown> {
    const ws = await this.open();
    if (!ws) return null;
    const id = ++this.nextId;
    return new Promise<unknown>((resolve) => {
      this.pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method }));
      setTimeout(() => resolve(null), 10_000);
    });
  }

  /**
   * The heap in use. With `afterCollection`, a full collection runs first, so the figure is what
   * the isolate retains rather than a point on the saw-tooth between collections (whose floor
   * depends on when V8 chose to collect, and so on the machine's load).
   */
  async heapUsage(afterCollection = false): Promise<HeapUsage | null> {
    if (afterCollection) await this.call("HeapProfiler.collectGarbage");
    const r = (await this.call("Runtime.getHeapUsage")) as { usedSize?: number; totalSize?: number } | null;
    return r && typeof r.usedSize === "number" ? { used: r.usedSize, total: r.totalSize ?? 0 } : null;
  }

  close(): void {
    this.ws?.close();
  }
}
