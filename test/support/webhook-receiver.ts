/**
 * A real HTTP webhook receiver on loopback for tests: records every request and answers from
 * a script (a status with headers and body, or "hang" to never answer), then 200 "ok".
 *
 * @example
 * const receiver = await startWebhookReceiver();
 * receiver.script({ status: 500 }, { status: 429, headers: { "retry-after": "7" } }, "hang");
 * await fetch(receiver.url, { method: "POST", body: "{}" });
 * receiver.requests[0].body; // "{}"
 * await receiver.close();
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type ScriptedReply = { status: number; headers?: Record<string, string>; body?: string } | "hang";

export interface WebhookReceiver {
  /** Where to POST, with a path so tests can see it kept. */
  url: string;
  requests: ReceivedRequest[];
  /** Queues replies for the next requests, in order; once they run out every request gets 200 "ok". */
  script(...replies: ScriptedReply[]): void;
  /** Resolves once `count` requests have arrived in all. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const replies: ScriptedReply[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const reply = replies.shift() ?? { status: 200, body: "ok" };
      if (reply === "hang") return;
      res.writeHead(reply.status, reply.headers).end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret`,
    requests,
    script: (...next) => {
      replies.push(...next);
    },
    waitForRequests: (count) =>
      requests.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        // A hanging reply keeps its socket open; close would wait for it forever.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
