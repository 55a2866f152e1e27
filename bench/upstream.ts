/**
 * The upstream both Workers of table 2 forward to: a Node HTTP server on 127.0.0.1 that answers with
 * the guard's own mock LLM (worker/mock-upstream.ts), so the answers are the mock's, byte for byte and
 * at the mock's pace (streamed answers send an event every 5 ms).
 * Run as its own process (`node eval/run.mjs bench/upstream.ts`): it prints `port N` when listening.
 */
import { createServer } from "node:http";
import { mockUpstream } from "../worker/mock-upstream";

const server = createServer((req, res) => {
  const chunks: Uint8Array[] = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let size = 0;
    for (const c of chunks) size += c.byteLength;
    const bytes = new Uint8Array(size);
    let o = 0;
    for (const c of chunks) {
      bytes.set(c, o);
      o += c.byteLength;
    }
    let body: unknown = null;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      // the mock answers 400 for an unparseable body
    }
    const request = new Request(`http://upstream${req.url ?? "/"}`, { method: req.method ?? "GET", headers: { "content-type": "application/json" } });
    // the mock as the guard runs it: streamed answers pace their events (5 ms apart)
    const answer = mockUpstream(request, body, null);
    const headers: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      headers[k] = v;
    });
    res.writeHead(answer.status, headers);
    const reader = answer.body!.getReader();
    const pump = (): void => {
      void reader.read().then(({ done, value }) => {
        if (done) return res.end();
        res.write(value);
        pump();
      });
    };
    pump();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`port ${typeof address === "object" && address ? address.port : 0}\n`);
});
