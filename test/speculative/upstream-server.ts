/**
 * vitest globalSetup of the speculative-upstream projects: an upstream on 127.0.0.1 that answers
 * after `x-test-delay` ms and records, per `x-test-id`, whether the request arrived and whether its
 * connection was closed before the answer was sent (the guard aborting a refused request).
 * `GET /_log/<id>` reports that record.
 */
import { createServer, type Server } from "node:http";
import type { TestProject } from "vitest/node";

interface Record_ {
  received: number;
  aborted: number;
  answered: number;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = new Map<string, Record_>();
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/_log/")) {
      const rec = log.get(decodeURIComponent(url.slice(6))) ?? { received: 0, aborted: 0, answered: 0 };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(rec));
      return;
    }
    const idHeader = req.headers["x-test-id"];
    const id = typeof idHeader === "string" ? idHeader : "none";
    const rec = log.get(id) ?? { received: 0, aborted: 0, answered: 0 };
    log.set(id, rec);
    rec.received++;
    const delay = Number(req.headers["x-test-delay"] ?? 0);
    let done = false;
    // the response closes unfinished when the guard aborts the request
    res.on("close", () => {
      if (!done) rec.aborted++;
    });
    req.resume();
    req.on("end", () => {
      setTimeout(() => {
        if (done) return;
        done = true;
        rec.answered++;
        res.writeHead(200, { "content-type": "application/json", "x-upstream": "speculative-test" });
        res.end(JSON.stringify({ id: "up-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "from upstream" }, finish_reason: "stop" }] }));
      }, delay);
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
  project.provide("speculativeUpstreamPort", port);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
