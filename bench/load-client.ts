/**
 * A cheap HTTP/1.1 load client for the HTTP benchmarks: requests are serialised to bytes
 * before timing, each connection is a keep-alive socket with one request in flight (no
 * pipelining), and a reply is read only as far as its status line and Content-Length.
 * The client shares the machine's cores with the server, so every microsecond it spends
 * is one the server does not get; an `http.Agent` client is kept for comparison.
 *
 * @example
 * const req = prepare(url, "GET", "/api/rest/status/apollo_1");
 * const clients = await openClients("raw", url, 8);
 * const { latencies, seconds } = await drive(clients, [req], 10_000);
 */
import http from "node:http";
import net from "node:net";
import { performance } from "node:perf_hooks";

export interface PreparedRequest {
  method: "GET" | "POST";
  path: string;
  /** The JSON body, already serialised (POST only). */
  body: Buffer | undefined;
  /** The whole request as sent on the wire: request line, headers, body. */
  wire: Buffer;
}

export function prepare(url: URL, method: "GET" | "POST", path: string, body?: unknown): PreparedRequest {
  const payload =
    body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const headers = [`${method} ${path} HTTP/1.1`, `host: ${url.host}`, "connection: keep-alive"];
  if (payload) headers.push("content-type: application/json", `content-length: ${payload.length}`);
  const head = Buffer.from(`${headers.join("\r\n")}\r\n\r\n`, "latin1");
  return { method, path, body: payload, wire: payload ? Buffer.concat([head, payload]) : head };
}

/** One keep-alive connection: sends a request, resolves with the reply's status once all of it arrived. */
export interface Client {
  send(request: PreparedRequest): Promise<number>;
  /** The body of the last reply with a status ≥ 400, for error messages. */
  lastError(): string;
  close(): void;
}

export type ClientKind = "raw" | "agent";

export async function openClients(kind: ClientKind, url: URL, count: number): Promise<Client[]> {
  if (kind === "agent") {
    const agent = new http.Agent({ keepAlive: true, maxSockets: count });
    return Array.from({ length: count }, () => new AgentClient(agent, url));
  }
  return Promise.all(Array.from({ length: count }, () => RawClient.open(url)));
}

const HEAD_END = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CONNECTION_CLOSE = /\r\nconnection:[ \t]*close/i;

class RawClient implements Client {
  /** Bytes of the reply's head received so far (usually the whole reply comes in one chunk). */
  private pending: Buffer = Buffer.alloc(0);
  /** Body bytes still to come; -1 while the head is being read. */
  private remaining = -1;
  private status = 0;
  private errorBody: Buffer[] = [];
  private lastErrorText = "";
  private waiting: { resolve: (status: number) => void; reject: (error: Error) => void } | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("connection closed by the server")));
  }

  static open(url: URL): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RawClient(socket));
      });
      socket.once("error", reject);
    });
  }

  send(request: PreparedRequest): Promise<number> {
    if (this.waiting) return Promise.reject(new Error("one request at a time on a connection"));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request.wire);
    });
  }

  lastError(): string {
    return this.lastErrorText;
  }

  close(): void {
    this.waiting = undefined;
    this.socket.removeAllListeners("close");
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.remaining < 0) {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      const end = this.pending.indexOf(HEAD_END);
      if (end < 0) return;
      const head = this.pending.toString("latin1", 0, end);
      this.status = Number(head.slice(9, 12));
      const length = CONTENT_LENGTH.exec(head);
      if (!length) {
        this.fail(new Error(`reply without Content-Length: ${head.split("\r\n")[0]}`));
        return;
      }
      if (CONNECTION_CLOSE.test(head)) {
        this.fail(new Error("the server closes the connection"));
        return;
      }
      const body = this.pending.subarray(end + HEAD_END.length);
      this.remaining = Number(length[1]) - body.length;
      this.pending = Buffer.alloc(0);
      if (this.status >= 400) this.errorBody = [body];
    } else {
      this.remaining -= chunk.length;
      if (this.status >= 400) this.errorBody.push(chunk);
    }
    if (this.remaining > 0) return;
    if (this.remaining < 0) {
      this.fail(new Error("more bytes than the reply's Content-Length"));
      return;
    }
    this.remaining = -1;
    if (this.status >= 400) this.lastErrorText = Buffer.concat(this.errorBody).toString("utf8");
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(this.status);
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.socket.destroy();
    waiting?.reject(error);
  }
}

class AgentClient implements Client {
  private lastErrorText = "";

  constructor(
    private readonly agent: http.Agent,
    private readonly url: URL,
  ) {}

  send(request: PreparedRequest): Promise<number> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = request.body
        ? { "content-type": "application/json", "content-length": request.body.length }
        : {};
      const outgoing = http.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path: request.path,
          method: request.method,
          agent: this.agent,
          headers,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          const chunks: Buffer[] = [];
          if (status >= 400) response.on("data", (chunk: Buffer) => chunks.push(chunk));
          else response.resume();
          response.on("end", () => {
            if (status >= 400) this.lastErrorText = Buffer.concat(chunks).toString("utf8");
            resolve(status);
          });
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(request.body);
    });
  }

  lastError(): string {
    return this.lastErrorText;
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Sends `count` requests, each client taking the next as soon as its previous reply is in,
 * cycling through `requests`. Throws on the first reply whose status is not `expect`.
 * Returns each request's latency in ms (in sending order) and the wall time.
 */
export async function drive(
  clients: readonly Client[],
  requests: readonly PreparedRequest[],
  count: number,
  expect = 200,
): Promise<{ latencies: Float64Array; seconds: number }> {
  const latencies = new Float64Array(count);
  let next = 0;
  const run = async (client: Client) => {
    while (next < count) {
      const i = next++;
      const request = requests[i % requests.length] as PreparedRequest;
      const started = performance.now();
      const status = await client.send(request);
      latencies[i] = performance.now() - started;
      if (status !== expect)
        throw new Error(
          `${request.method} ${request.path}: HTTP ${status} ${client.lastError().slice(0, 500)}`,
        );
    }
  };
  const started = performance.now();
  await Promise.all(clients.map(run));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}
