/**
 * vitest globalSetup for the fault projects: a local upstream on 127.0.0.1 whose behaviour the
 * request picks with `x-test-upstream` (forwarded unchanged by the guard): `stall` accepts the
 * connection and never answers, `reset` drops the connection, `500` answers an upstream error,
 * `gzip` answers 200 JSON gzipped whatever the request accepts (an upstream that ignores
 * `identity`), anything else answers 200 JSON. Every answer echoes the Accept-Encoding it was sent in
 * `x-upstream-accept-encoding`. Also finds a port nothing listens on, for "connection refused".
 */
import { createServer, type Server } from "node:http";
import { gzipSync } from "node:zlib";
import type { TestProject } from "vitest/node";

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = createServer((req, res) => {
    const mode = req.headers["x-test-upstream"];
    if (mode === "stall") return; // never answers headers
    if (mode === "reset") {
      req.destroy(); // drops the connection without an answer
      return;
    }
    req.resume();
    req.on("end", () => {
      const status = mode === "500" ? 500 : 200;
      const body = status === 200 ? { id: "up-1", object: "chat.completion", choices: [] } : { error: { message: "upstream broke", type: "server_error" } };
      const sent = { "x-upstream-accept-encoding": req.headers["accept-encoding"] ?? "(none)" };
      if (mode === "gzip") {
        res.writeHead(status, { "content-type": "application/json", "content-encoding": "gzip", "x-upstream": "test", ...sent });
        res.end(gzipSync(JSON.stringify(body)));
        return;
      }
      res.writeHead(status, { "content-type": "application/json", "x-upstream": "test", ...sent });
      res.end(JSON.stringify(body));
    });
  });
  const upstreamPort = await listen(server);

  const probe = createServer(() => {});
  const closedPort = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  project.provide("upstreamPort", upstreamPort);
  project.provide("closedPort", closedPort);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
