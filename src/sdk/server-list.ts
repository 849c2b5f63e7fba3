/**
 * Several replicas of one control plane (SPEC §9: any replica answers every route) as one
 * server to the SDK. A request goes to the replica that last answered; when it gives no
 * reply or says it cannot serve, the next is tried at once, within the same call. Backoff
 * belongs to the caller, between whole passes over the list.
 *
 * A write moves to the next replica only when it surely took no effect at the first
 * (`notApplied`): a write whose outcome is unknown (a timeout, a reset, a leader that died
 * while applying it) is failed back to the caller, so nothing is ever applied twice. Calls
 * that are safe to repeat (reads, registration, buffered snapshots) move on any transient
 * failure.
 *
 * @example
 * const servers = new ServerList(["http://10.0.0.11:7070", "http://10.0.0.12:7070"]);
 * await servers.request(transport, "POST", "/api/rest/request/apollo_1", {}, { repeatable: false });
 */
import { AutonomicRequestError, postJson, type TransportOptions } from "./transport.js";

export class ServerList {
  readonly urls: readonly string[];
  private preferred = 0;

  constructor(urls: string | readonly string[]) {
    const list = (typeof urls === "string" ? urls.split(",") : [...urls])
      .map((u) => u.trim())
      .filter((u) => u !== "");
    if (list.length === 0) throw new RangeError("url: at least one server URL is required");
    for (const u of list)
      if (!/^https?:\/\//.test(u)) throw new RangeError(`url: "${u}" must start with http:// or https://`);
    this.urls = list;
  }

  /** The URLs in the order to try them now: the one that last answered first. */
  order(): string[] {
    return [...this.urls.slice(this.preferred), ...this.urls.slice(0, this.preferred)];
  }

  /**
   * One pass over the replicas: resolves with the first 2xx reply's body; throws the last
   * failure once every replica has failed, or at once when moving on could apply a write twice
   * or would be refused the same way (a 4xx).
   */
  async request<T>(
    transport: Omit<TransportOptions, "url">,
    method: "GET" | "POST",
    path: string,
    body: unknown,
    { repeatable }: { repeatable: boolean },
  ): Promise<T> {
    const order = this.order();
    for (const [i, url] of order.entries()) {
      try {
        const reply = await postJson<T>({ ...transport, url }, method, path, body);
        this.preferred = this.urls.indexOf(url);
        return reply;
      } catch (err) {
        if (!(err instanceof AutonomicRequestError)) throw err;
        // A refusal is an answer: this replica serves, it just says no.
        if (!err.transient) this.preferred = this.urls.indexOf(url);
        if (!err.transient || i === order.length - 1) throw err;
        if (!(repeatable || method === "GET" || err.notApplied)) throw err;
      }
    }
    throw new Error("unreachable: the list is never empty");
  }
}
