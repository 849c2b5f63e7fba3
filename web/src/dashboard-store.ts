/**
 * Everything the page shows, read from the server view by view. A view is re-read when an
 * event says it changed (coalesced, so a burst of rest events costs one read), when the feed
 * (re)connects, and for the views whose numbers move without any event (fatigue scores,
 * health, the gate's snapshot count) on a slow poll.
 *
 * A server with tokens answers 401 to reads without one: the page then asks for a token
 * (`tokenPrompt`), stops reading until it has one, and starts over with it.
 */

import { ApiError, getJson, type Operator, postJson, readToken, setReadToken } from "./api.js";
import { type ClusterSummary, readCluster } from "./cluster-line.js";
import { TOPICS, type Topic } from "./event-topics.js";
import { type FeedState, openLiveFeed } from "./live-feed.js";
import type {
  AccessView,
  Alert,
  ConstellationHealth,
  ConstellationStatus,
  CyclesView,
  DashboardConfig,
  KernelStatus,
  Patch,
  PhaseView,
} from "./wire-types.js";

export interface DashboardData {
  config: DashboardConfig | null;
  kernels: KernelStatus[] | null;
  /** The rest scheduler's own summary (its avg_fatigue counts only kernels that reported). */
  constellation: ConstellationStatus | null;
  health: ConstellationHealth | null;
  pending: Patch[] | null;
  recent: Patch[] | null;
  phase: PhaseView | null;
  /** "unavailable" when this server has no cycle routes. */
  cycles: CyclesView | "unavailable" | null;
  alerts: Alert[] | null;
  /** GET /api/cluster of the replica serving the page; null before read or without the route. */
  cluster: ClusterSummary | null;
  /** What the page's token may do (GET /api/access/me); null until read. */
  access: AccessView | null;
  /** Why the page asks for a token: it has none, or the server refused the one it has; null: it does not ask. */
  tokenPrompt: "needed" | "refused" | null;
  feed: FeedState;
  /** The last failed read of a view, by view; cleared by its next success. */
  failed: Partial<Record<Topic | "config", string>>;
}

/** Events arriving within this long are read once. */
const COALESCE_MS = 150;
/**
 * Fatigue scores and snapshot counts change with every report and no event says so (the
 * stream carries transitions, not samples): these views are re-read this often as well.
 */
const POLL_MS = 5000;
const POLLED: readonly Topic[] = ["kernels", "health", "phase", "cluster"];

const EMPTY: DashboardData = {
  config: null,
  kernels: null,
  constellation: null,
  health: null,
  pending: null,
  recent: null,
  phase: null,
  cycles: null,
  alerts: null,
  cluster: null,
  access: null,
  tokenPrompt: null,
  feed: "connecting",
  failed: {},
};

export class DashboardStore {
  private data: DashboardData = EMPTY;
  private readonly listeners = new Set<(data: DashboardData) => void>();
  private readonly stale = new Set<Topic>();
  private readonly inFlight = new Set<Topic>();
  private readonly again = new Set<Topic>();
  private flushTimer: number | undefined;
  private pollTimer: number | undefined;
  private closeFeed: (() => void) | undefined;

  get current(): DashboardData {
    return this.data;
  }

  subscribe(listener: (data: DashboardData) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.openFeed();
    void this.readAll();
    this.pollTimer = window.setInterval(() => {
      if (document.visibilityState === "visible" && this.data.tokenPrompt === null) this.markStale(POLLED);
    }, POLL_MS);
  }

  /** Reads (and follows the feed) with `token` from now on, kept for this tab. */
  useToken(token: string): void {
    setReadToken(token.trim());
    this.set({ tokenPrompt: null, failed: {} });
    this.closeFeed?.();
    this.openFeed();
    void this.readAll();
  }

  private openFeed(): void {
    this.closeFeed = openLiveFeed("/api/events", readToken, {
      onStale: (topics) => this.markStale(topics),
      onConnected: () => void this.readAll(),
      onState: (feed) => this.set({ feed }),
      onUnauthorized: () => this.askForToken(),
    });
  }

  private askForToken(): void {
    if (this.data.tokenPrompt === null) this.set({ tokenPrompt: readToken() === "" ? "needed" : "refused" });
  }

  stop(): void {
    this.closeFeed?.();
    window.clearInterval(this.pollTimer);
    window.clearTimeout(this.flushTimer);
  }

  /** Approves or rejects a patch as the operator; re-reads the queue and the gate either way. */
  async decide(
    patchId: string,
    decision: "approve" | "reject",
    body: { reason?: string; not_needed?: boolean },
    operator: Operator,
  ): Promise<Patch> {
    try {
      const reply = await postJson<{ patch: Patch }>(
        `/api/self-healing/patches/${encodeURIComponent(patchId)}/${decision}`,
        body,
        operator,
      );
      return reply.patch;
    } finally {
      this.markStale(["patches", "phase"]);
    }
  }

  /** Config first: the cycles view depends on it. */
  private async readAll(): Promise<void> {
    try {
      const { config } = await getJson<{ config: DashboardConfig }>("/api/dashboard/config");
      this.set({ config, failed: without(this.data.failed, "config") });
    } catch (err) {
      if (isUnauthorized(err)) return this.askForToken();
      this.set({ failed: { ...this.data.failed, config: messageOf(err) } });
    }
    try {
      this.set({ access: (await getJson<{ access: AccessView }>("/api/access/me")).access });
    } catch {
      // A server without /api/access/me: the review says what a refusal says.
    }
    this.markStale(TOPICS);
  }

  private markStale(topics: readonly Topic[]): void {
    for (const topic of topics) this.stale.add(topic);
    if (this.flushTimer === undefined) {
      this.flushTimer = window.setTimeout(() => {
        this.flushTimer = undefined;
        const topics = [...this.stale];
        this.stale.clear();
        for (const topic of topics) void this.read(topic);
      }, COALESCE_MS);
    }
  }

  /** One read of a view at a time; a view made stale during its read is read once more after. */
  private async read(topic: Topic): Promise<void> {
    if (this.inFlight.has(topic)) {
      this.again.add(topic);
      return;
    }
    this.inFlight.add(topic);
    try {
      this.set({ ...(await this.fetchView(topic)), failed: without(this.data.failed, topic) });
    } catch (err) {
      if (isUnauthorized(err)) this.askForToken();
      else this.set({ failed: { ...this.data.failed, [topic]: messageOf(err) } });
    } finally {
      this.inFlight.delete(topic);
      if (this.again.delete(topic)) void this.read(topic);
    }
  }

  private async fetchView(topic: Topic): Promise<Partial<DashboardData>> {
    switch (topic) {
      case "kernels": {
        const [list, status] = await Promise.all([
          getJson<{ kernels: KernelStatus[] }>("/api/rest/kernels"),
          getJson<{ constellation: ConstellationStatus }>("/api/rest/status"),
        ]);
        return { kernels: list.kernels, constellation: status.constellation };
      }
      case "health":
        return {
          health: (await getJson<{ health: ConstellationHealth }>("/api/self-healing/health")).health,
        };
      case "patches": {
        const [pending, recent] = await Promise.all([
          getJson<{ patches: Patch[] }>("/api/self-healing/patches?state=pending_review&limit=50"),
          getJson<{ patches: Patch[] }>("/api/self-healing/patches?limit=8"),
        ]);
        return { pending: pending.patches, recent: recent.patches };
      }
      case "phase":
        return { phase: (await getJson<{ phase: PhaseView }>("/api/self-healing/phase")).phase };
      case "alerts":
        return { alerts: (await getJson<{ alerts: Alert[] }>("/api/self-healing/alerts?limit=20")).alerts };
      case "cycles":
        return { cycles: await this.fetchCycles() };
      case "cluster":
        return { cluster: await readCluster() };
    }
  }

  /** Servers without constellation cycles have no route for them: that is "no cycles yet", not an error. */
  private async fetchCycles(): Promise<CyclesView | "unavailable" | null> {
    const config = this.data.config;
    if (config === null) return this.data.cycles;
    if (!config.cycles_available) return "unavailable";
    try {
      return await getJson<CyclesView>("/api/rest/cycles?kind=cycle&limit=20");
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return "unavailable";
      throw err;
    }
  }

  private set(change: Partial<DashboardData>): void {
    this.data = { ...this.data, ...change };
    for (const listener of [...this.listeners]) listener(this.data);
  }
}

function without<K extends string>(record: Partial<Record<K, string>>, key: K): Partial<Record<K, string>> {
  if (!(key in record)) return record;
  const copy = { ...record };
  delete copy[key];
  return copy;
}

function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
