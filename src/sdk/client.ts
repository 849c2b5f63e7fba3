/**
 * A kernel's client of the control plane (SPEC §6 "Kernel SDK"). Telemetry goes into a
 * bounded buffer and is sent in batches; while the server is unreachable the buffer
 * holds it and retries with backoff, so a control-plane restart loses nothing (and what
 * a full buffer does lose is counted and reported). Given several URLs (the replicas of one
 * control plane, SPEC §9), each call fails over to the next replica that answers
 * (server-list.ts says which writes may move). Every reply's directive is read:
 * remediation actions run through the registered handlers and are answered, and with
 * `autoRest` the kernel asks for its rest when the directive says it should.
 *
 * @example
 * const client = new KernelClient({ url: "http://127.0.0.1:7070", kernelId: "apollo_1", kernelName: "Apollo", autoRest: true });
 * client.handle("enable_cache", async ({ entries }, { dryRun }) => (dryRun ? predict(entries) : enable(entries)));
 * await client.register();
 * client.report({ phi: 0.78, kappa_eff: 63.9, basin_coords: basinFromText(lastAnswer) });
 * await client.close();
 */
import { EventEmitter } from "node:events";
import { type ActionHandler, ActionRunner } from "./action-runner.js";
import { CallStats } from "./call-stats.js";
import { ServerList } from "./server-list.js";
import { SnapshotBuffer } from "./snapshot-buffer.js";
import { AutonomicRequestError, backoffDelayMs, type TransportOptions } from "./transport.js";
import type { ActionResult, Directive, FatigueInput, SnapshotInput } from "./wire.js";

export interface KernelClientOptions {
  /**
   * The control plane, e.g. http://127.0.0.1:7070; or its replicas, as a list or
   * comma-separated, tried in turn when one does not answer.
   */
  url: string | readonly string[];
  kernelId: string;
  /** God name (e.g. "Apollo") or the chaos id; needed for `register`. */
  kernelName?: string;
  mentor?: string;
  /** A kernel token, when the server requires one. */
  token?: string;
  /** Snapshots per request (default 100). */
  batchSize?: number;
  /** Snapshots held while the server is away (default 10,000); older ones give way, counted. */
  bufferLimit?: number;
  /** How often buffered snapshots are sent (default 1000 ms); 0 sends only on `flush` or a full batch. */
  flushIntervalMs?: number;
  retry?: { initialDelayMs?: number; maxDelayMs?: number; jitter?: number };
  requestTimeoutMs?: number;
  /** Request rest when a directive says `should_rest` (default false). */
  autoRest?: boolean;
  fetch?: typeof fetch;
}

/** Counters for the kernel's own dashboards and logs. */
export interface KernelClientStats {
  buffered: number;
  sent: number;
  /** Dropped because the buffer was full. */
  overflowed: number;
  /** Refused by the server as invalid (each also emitted as a "rejected" event). */
  rejected: number;
  retries: number;
  actionsAnswered: number;
}

export interface KernelClientEvents {
  directive: [Directive];
  overflow: [{ dropped: number; total: number }];
  rejected: [{ snapshot: SnapshotInput; error: string }];
  retrying: [{ attempt: number; delayMs: number; error: string }];
  /** The server ignored fields it does not know (one line each, e.g. 'unknown field "snapshots[0].foo" was ignored'). */
  warning: [{ warnings: string[] }];
  error: [Error];
}

/** Passes over the servers for a rest request or end while none applied it (about 2 s of backoff). */
const NOT_APPLIED_PASSES = 4;
const RETRY_DEFAULTS = { initialDelayMs: 250, maxDelayMs: 30_000, jitter: 0.2 };

export class KernelClient extends EventEmitter<KernelClientEvents> {
  /** Calls timed by `instrument`/`monitorChain`; drained into each snapshot without its own latency. */
  readonly calls = new CallStats();
  private readonly transport: Omit<TransportOptions, "url">;
  private readonly servers: ServerList;
  private readonly buffer: SnapshotBuffer;
  private readonly actions: ActionRunner;
  private readonly retry: typeof RETRY_DEFAULTS;
  private readonly counters = { sent: 0, rejected: 0, retries: 0, actionsAnswered: 0 };
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private requestingRest = false;
  private closed = false;
  private lastDirective: Directive | null = null;

  constructor(private readonly options: KernelClientOptions) {
    super();
    this.servers = new ServerList(options.url);
    this.transport = {
      token: options.token,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
      fetch: options.fetch ?? fetch,
    };
    this.buffer = new SnapshotBuffer(options.bufferLimit ?? 10_000);
    this.retry = { ...RETRY_DEFAULTS, ...options.retry };
    this.actions = new ActionRunner((id, result) => this.answerAction(id, result));
    // An unhandled "error" event would crash the kernel; the SDK must never do that.
    this.on("error", () => {});
  }

  get kernelId(): string {
    return this.options.kernelId;
  }

  /** The directive of the latest reply, or null before the first. */
  get directive(): Directive | null {
    return this.lastDirective;
  }

  /** Registers a handler for one remediation action type (SPEC §5). */
  handle(type: string, handler: ActionHandler): this {
    this.actions.handle(type, handler);
    return this;
  }

  /** Registers with the rest scheduler (idempotent); retries while the server is unreachable. */
  async register(): Promise<Record<string, unknown>> {
    if (!this.options.kernelName) throw new RangeError("kernelName: required to register");
    const body = {
      kernel_id: this.kernelId,
      kernel_name: this.options.kernelName,
      mentor: this.options.mentor,
    };
    return this.withRetry(() => this.call("POST", "/api/rest/kernels", body, true));
  }

  /** Queues one snapshot; it is sent with the next batch. */
  report(snapshot: SnapshotInput): void {
    if (this.closed) throw new Error("KernelClient: closed");
    const stamped: SnapshotInput = {
      ...snapshot,
      kernel_id: this.kernelId,
      timestamp: snapshot.timestamp ?? new Date().toISOString(),
    };
    if (this.calls.calls > 0 && stamped.avg_latency_ms === undefined && stamped.error_rate === undefined) {
      const calls = this.calls.drain();
      stamped.avg_latency_ms = calls.avg_latency_ms;
      stamped.error_rate = calls.error_rate;
    }
    const dropped = this.buffer.push(stamped);
    if (dropped > 0) this.emit("overflow", { dropped, total: this.buffer.overflowCount });
    const batchSize = this.options.batchSize ?? 100;
    if (this.buffer.size >= batchSize && this.attempt === 0) void this.flush();
    else this.schedule(this.options.flushIntervalMs ?? 1000);
  }

  /** Queues many snapshots. */
  reportMany(snapshots: readonly SnapshotInput[]): void {
    for (const s of snapshots) this.report(s);
  }

  /**
   * Sends what is buffered now. Resolves when the buffer is empty or a send failed
   * transiently (then a retry is scheduled with backoff); never rejects.
   */
  flush(): Promise<void> {
    this.flushing ??= this.sendAll().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Reports fatigue now (not buffered: a stale fatigue score is worth nothing). */
  async reportFatigue(
    sample: FatigueInput,
  ): Promise<{ fatigue_score: number; should_rest: boolean; directive: Directive }> {
    const reply = await this.call<{ fatigue_score: number; should_rest: boolean; directive: Directive }>(
      "POST",
      `/api/rest/fatigue/${encodeURIComponent(this.kernelId)}`,
      sample,
      false,
    );
    this.onDirective(reply.directive);
    return reply;
  }

  /**
   * Asks for a rest. Passes over the servers again, with backoff, while every one says it did
   * not apply it (a takeover: no leader yet); an unknown outcome is thrown at once.
   */
  async requestRest(force = false): Promise<{ approved: boolean; reason: string; reason_code: string }> {
    return this.withRetry(
      () =>
        this.call(
          "POST",
          `/api/rest/request/${encodeURIComponent(this.kernelId)}`,
          force ? { force } : undefined,
          false,
        ),
      NOT_APPLIED_PASSES,
      (err) => err.notApplied,
    );
  }

  /** Ends the kernel's rest, retried like requestRest. */
  async endRest(): Promise<Record<string, unknown>> {
    return this.withRetry(
      () => this.call("POST", `/api/rest/end/${encodeURIComponent(this.kernelId)}`, undefined, false),
      NOT_APPLIED_PASSES,
      (err) => err.notApplied,
    );
  }

  /** The server URLs, the one that answered last first. */
  get urls(): string[] {
    return this.servers.order();
  }

  stats(): KernelClientStats {
    return { buffered: this.buffer.size, overflowed: this.buffer.overflowCount, ...this.counters };
  }

  /** Stops the timer after one last attempt to send what is buffered (bounded by `timeoutMs`). */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const last = this.flush();
    await Promise.race([last, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  private schedule(delayMs: number): void {
    if (this.timer || delayMs <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private async sendAll(): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    while (this.buffer.size > 0) {
      const batch = this.buffer.peek(batchSize);
      try {
        // Repeatable: a batch whose reply was lost is sent again anyway, to this replica or another.
        const reply = await this.call<{ directives?: Record<string, Directive>; warnings?: string[] }>(
          "POST",
          "/api/self-healing/snapshots",
          { snapshots: batch },
          true,
        );
        this.buffer.remove(batch);
        this.counters.sent += batch.length;
        this.attempt = 0;
        if (reply.warnings && reply.warnings.length > 0) this.emit("warning", { warnings: reply.warnings });
        const directive = reply.directives?.[this.kernelId];
        if (directive) this.onDirective(directive);
      } catch (err) {
        if (!(err instanceof AutonomicRequestError)) throw err;
        if (!err.transient) {
          this.reject(batch, err);
          continue;
        }
        if (this.closed) return;
        const delayMs = backoffDelayMs(this.attempt, this.retry);
        this.attempt += 1;
        this.counters.retries += 1;
        this.emit("retrying", { attempt: this.attempt, delayMs, error: err.message });
        this.schedule(delayMs);
        return;
      }
    }
  }

  /**
   * A refused batch names its bad item ("snapshots[3].phi: …"): that one is rejected and
   * counted, the rest are sent again. Without an index the whole batch is rejected.
   */
  private reject(batch: SnapshotInput[], err: AutonomicRequestError): void {
    const index = /snapshots\[(\d+)\]/.exec(err.message)?.[1];
    const bad = index !== undefined && batch[Number(index)] ? [batch[Number(index)] as SnapshotInput] : batch;
    this.buffer.remove(bad);
    this.counters.rejected += bad.length;
    for (const snapshot of bad) this.emit("rejected", { snapshot, error: err.message });
  }

  private onDirective(directive: Directive): void {
    this.lastDirective = directive;
    this.emit("directive", directive);
    if (directive.actions.length > 0) {
      void this.actions.run(directive.actions).catch((err: Error) => this.emit("error", err));
    }
    if (this.options.autoRest && directive.rest.should_rest && directive.rest.status === "active") {
      void this.autoRequestRest();
    }
  }

  private async autoRequestRest(): Promise<void> {
    if (this.requestingRest) return;
    this.requestingRest = true;
    try {
      await this.requestRest();
    } catch (err) {
      this.emit("error", err as Error);
    } finally {
      this.requestingRest = false;
    }
  }

  private async answerAction(actionId: string, result: ActionResult): Promise<void> {
    try {
      await this.withRetry(
        // Repeatable: a second answer to one action is refused with a 409.
        () =>
          this.call("POST", `/api/self-healing/actions/${encodeURIComponent(actionId)}/result`, result, true),
        5,
      );
      this.counters.actionsAnswered += 1;
    } catch (err) {
      // 409: already answered or timed out on the server; nothing more to say.
      if (err instanceof AutonomicRequestError && err.status === 409) return;
      this.emit("error", err as Error);
    }
  }

  /** One pass over the servers; `repeatable` says whether a write may reach two of them. */
  private call<T>(method: "GET" | "POST", path: string, body: unknown, repeatable: boolean): Promise<T> {
    return this.servers.request<T>(this.transport, method, path, body, { repeatable });
  }

  private async withRetry<T>(
    call: () => Promise<T>,
    maxAttempts = 8,
    retryable: (err: AutonomicRequestError) => boolean = () => true,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (
          !(err instanceof AutonomicRequestError) ||
          !err.transient ||
          !retryable(err) ||
          attempt + 1 >= maxAttempts ||
          this.closed
        )
          throw err;
        const delayMs = backoffDelayMs(attempt, this.retry);
        this.counters.retries += 1;
        this.emit("retrying", { attempt: attempt + 1, delayMs, error: err.message });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}
