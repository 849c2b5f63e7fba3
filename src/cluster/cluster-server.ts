/**
 * `autonomic serve` on PostgreSQL (SPEC §9): every server is a replica of one control plane.
 * One HTTP listener per replica answers every route: the leader from its own control plane
 * (opened from the database when its term begins, dropped when it ends), a follower by
 * forwarding to the leader. `GET /api/cluster` and a follower's `/metrics` are answered by
 * every replica itself. A lone server simply leads, before it logs "listening".
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { Registry } from "prom-client";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import type { Registry as PantheonRegistry } from "../core/registry/registry.js";
import type { GitPatchRepository } from "../healing-git/index.js";
import { type ControlPlane, openControlPlane, openReadPlane } from "../server/control-plane.js";
import { errorBody } from "../server/http-errors.js";
import { ImpactService } from "../services/impact-service.js";
import { openStore } from "../store/open-store.js";
import { openPostgresStore } from "../store/postgres-store.js";
import type { Store } from "../store/store-types.js";
import { clusterMetrics } from "./cluster-metrics.js";
import { clusterReply, databaseFresh, databaseSilence } from "./cluster-reply.js";
import { Fence, fencedPool, type KyselyPool } from "./fenced-pool.js";
import { FollowerState } from "./follower-state.js";
import { type ClusterView, LeaderElection, type ReplicaRow, type Takeover } from "./leader-election.js";
import { forwardRequest, RETRY_HEADER, type Route } from "./request-forwarder.js";

export interface ClusterServerOptions {
  config: AutonomicConfig;
  clock: Clock;
  logger: Logger;
  registry: PantheonRegistry;
  git: GitPatchRepository | null;
}

export interface ClusterServer {
  url: string;
  store: Store;
  /** The control plane while this replica leads; null while it follows. */
  leading(): ControlPlane | null;
  view(): ClusterView;
  replicas(): Promise<ReplicaRow[]>;
  close(): Promise<void>;
}

const EVENT_STREAM_PATH = "/api/events";
/** On a read a follower answered from its own state: how far behind it may be, at most (ms). */
export const READ_LAG_HEADER = "x-autonomic-read-lag-ms";
/** Longest close() waits for requests in flight before it cuts them. */
const DRAIN_TIMEOUT_MS = 10_000;

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export async function startClusterServer(o: ClusterServerOptions): Promise<ClusterServer> {
  const { config, clock, logger } = o;
  const fence = new Fence();
  let pool: KyselyPool | null = null;
  const store = await openStore(config.store.location, {
    wrapPool: (raw) => {
      pool = fencedPool(raw, fence);
      return pool;
    },
  });
  // Migrated: from here on every commit is checked against the leader's generation.
  fence.follow();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const writeAgent = new http.Agent({ keepAlive: false });
  let term: ControlPlane | null = null;
  let termChange: Promise<void> = Promise.resolve();
  let election: LeaderElection | null = null;

  const claimTick = async (job: string, tick: number): Promise<boolean> => {
    const client = await (pool as KyselyPool).connect();
    try {
      const generation = fence.current()?.generation ?? null;
      const result = await client.query(
        "INSERT INTO cluster_ticks (job, tick, generation, ran_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job, tick) DO NOTHING",
        [job, tick, generation, clock.now()],
      );
      return result.rowCount === 1;
    } finally {
      client.release();
    }
  };

  const view = () => (election as LeaderElection).view();
  const replicas = () => (election as LeaderElection).replicas();
  const metricsSource = {
    view,
    replicas,
    freshMs: config.ha.leaseSeconds * 2000,
    now: () => clock.now(),
  };
  const followerMetrics = new Registry();
  clusterMetrics(followerMetrics, metricsSource);

  // A follower's own state, read through sessions PostgreSQL keeps read-only: nothing a
  // follower does with it can write.
  const readStore = openPostgresStore(config.store.location, { readOnly: true, maxConnections: 4 });
  const quiet = logger.child({ plane: "follower" }, { level: "warn" });
  const clusterRouteReply = () => clusterReply(view(), replicas, config, clock.now(), term !== null);
  // One for every plane this replica builds. Without rest events: a follower hears no
  // refusals, so it reports them as unknown rather than as none.
  const followerImpact = new ImpactService({ store: readStore, config, clock });
  const own = new FollowerState<FastifyInstance>({
    open: () =>
      openReadPlane({
        config,
        store: readStore,
        clock,
        logger: quiet,
        registry: o.registry,
        git: null,
        cluster: clusterRouteReply,
        impact: followerImpact,
      }),
    close: (app) => app.close(),
    maxLagMs: config.ha.maxReadLagMs,
    now: () => clock.now(),
    logger,
  });

  const openTerm = async (takeover: Takeover) => {
    const plane = await openControlPlane({
      config,
      store,
      clock,
      logger,
      registry: o.registry,
      git: o.git,
      claimTick,
      extraMetrics: (registry) => clusterMetrics(registry, metricsSource),
      // Answered before Fastify (see handle below); the route is there for /openapi.json.
      cluster: clusterRouteReply,
    });
    await plane.app.ready();
    plane.runner.start();
    term = plane;
    logger.info({ generation: takeover.generation, previous_leader: takeover.previousLeaderId }, "leading");
    void plane.alerts.redeliverPending().catch(() => {});
    if (takeover.previousLeaderId !== null && !takeover.previousStopped) {
      void plane.alerts
        .raise({
          kind: "leadership_changed",
          kernel_id: null,
          severity: "warning",
          text: `leadership moved from ${takeover.previousLeaderId} to ${view().replicaId} (generation ${takeover.generation}): the previous leader died or lost its database`,
          dedupe_key: `leadership_changed:${takeover.generation}`,
        })
        .catch((err: unknown) => logger.error({ err }, "leadership alert failed"));
    }
  };

  const dropTerm = (reason: string) => {
    const plane = term;
    term = null;
    if (plane === null) return;
    // The fence is already closed: nothing it still tries to write can commit.
    termChange = termChange.then(async () => {
      await plane.runner.stop().catch(() => {});
      await plane.alerts.close().catch(() => {});
      await plane.app.close().catch(() => {});
      logger.warn({ reason }, "stopped leading");
    });
  };

  const route = (method: string): Route => {
    if (term !== null) return { to: "local" };
    const v = view();
    if (v.role === "leader")
      return { to: "none", code: "leader_starting", reason: "this replica is taking over" };
    if (!canServe(v, method)) return { to: "none", code: "database_unreachable", reason: unreachable(v) };
    if (v.leaderUrl !== null && v.leaderUrl !== v.url) return { to: "leader", url: v.leaderUrl };
    return { to: "none", code: "no_leader", reason: "no leader is known" };
  };

  /** A follower serves nothing it cannot vouch for: a write needs a live database connection. */
  const canServe = (v: ClusterView, method: string) => {
    return databaseFresh(v, clock.now(), config.ha.maxReadLagMs) || !WRITE_METHODS.has(method);
  };
  const unreachable = (v: ClusterView) =>
    `this replica lost its database connection (${databaseSilence(v, config.ha.maxReadLagMs)}) and answers no writes until it is back`;

  const refuse = (res: ServerResponse, status: number, code: string, message: string, retryable: boolean) => {
    if (res.headersSent || res.destroyed) return;
    const headers: http.OutgoingHttpHeaders = { "content-type": "application/json; charset=utf-8" };
    if (retryable) headers[RETRY_HEADER] = "leader";
    res.writeHead(status, headers);
    res.end(JSON.stringify(errorBody(res.req?.url ?? "/api", message, code)));
  };

  const local = (req: IncomingMessage, res: ServerResponse, body: Buffer | null) => {
    const plane = term;
    if (plane === null) return refuse(res, 503, "not_leader", "this replica no longer leads", true);
    if (body === null) {
      plane.app.routing(req, res);
      return;
    }
    // The body was read while waiting for a leader; hand it over whole.
    void plane.app
      .inject({ method: req.method as "POST", url: req.url ?? "/", headers: req.headers, payload: body })
      .then((reply) => {
        const headers = { ...reply.headers };
        delete headers["transfer-encoding"];
        delete headers.connection;
        res.writeHead(reply.statusCode, headers as http.OutgoingHttpHeaders);
        res.end(reply.rawPayload);
      })
      .catch((err: unknown) => refuse(res, 500, "internal", String(err), false));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/api/cluster" && (method === "GET" || method === "HEAD")) {
      const reply = await clusterRouteReply();
      res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8" });
      res.end(method === "HEAD" ? undefined : JSON.stringify(reply.body));
      return;
    }
    if (term === null && path === "/metrics" && method === "GET") {
      res.writeHead(200, { "content-type": followerMetrics.contentType });
      res.end(await followerMetrics.metrics());
      return;
    }
    if (term === null && !WRITE_METHODS.has(method) && !path.startsWith(EVENT_STREAM_PATH)) {
      // A follower answers reads from its own state while that is fresh enough (SPEC §9).
      const read = own.read();
      if (read.plane !== null) {
        res.setHeader(READ_LAG_HEADER, String(read.lagMs));
        read.plane.routing(req, res);
        return;
      }
    }
    const first = route(method);
    if (first.to === "local") return local(req, res, null);
    if (first.to === "none" && first.code === "database_unreachable")
      return refuse(res, 503, first.code, first.reason, false);
    const body = await readBody(req, config.server.bodyLimitBytes);
    if (body === null)
      return refuse(
        res,
        413,
        "FST_ERR_CTP_BODY_TOO_LARGE",
        "body: is larger than the configured limit",
        false,
      );
    await forwardRequest(req, body, res, {
      route: () => route(method),
      local: (r, s) => local(r, s, body),
      replicaId: view().replicaId,
      waitMs: (config.ha.leaseSeconds + 2) * 1000,
      retryDelayMs: 100,
      agent,
      writeAgent,
      refuse,
      // Reads here wait for the leader until this replica's own state holds the write.
      onAnswer: WRITE_METHODS.has(method) ? () => own.wroteThrough() : undefined,
    });
  };

  // Requests being answered, so close() can let them finish before the control plane goes.
  let inFlight = 0;
  let drained: (() => void) | null = null;
  const server = http.createServer((req, res) => {
    // The event stream stays open until it is closed: it is not a request to wait for.
    if (!(req.url ?? "").startsWith(EVENT_STREAM_PATH)) {
      inFlight++;
      res.once("close", () => {
        inFlight--;
        if (inFlight === 0) drained?.();
      });
    }
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, "cluster request failed");
      refuse(res, 500, "internal", "internal error", false);
    });
  });
  server.keepAliveTimeout = 65_000;
  const url = await new Promise<string>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => {
      const address = server.address();
      if (address === null || typeof address === "string") return reject(new Error("no TCP address"));
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve(`http://${host}:${address.port}`);
    });
  });
  const advertised = config.ha.advertiseUrl ?? url;
  election = new LeaderElection({
    databaseUrl: config.store.location,
    replicaId: new URL(advertised).host,
    url: advertised,
    leaseSeconds: config.ha.leaseSeconds,
    clock,
    logger,
    fence,
    onElected: (takeover) => {
      own.lead();
      const opened = termChange.then(() => openTerm(takeover));
      termChange = opened.catch(() => {});
      return opened;
    },
    onDeposed: (reason) => {
      dropTerm(reason);
      own.follow();
    },
    commits: own,
  });
  try {
    await election.start();
  } catch (err) {
    server.close();
    await own.stop();
    await readStore.close();
    await store.close();
    throw err;
  }
  if (term === null && view().role === "follower") own.follow();
  return {
    url,
    store,
    leading: () => term,
    view,
    replicas,
    close: async () => {
      server.close();
      server.closeIdleConnections();
      // An acknowledged write is answered before shutdown goes on (bounded: a stuck client
      // must not hold it open); only then do the loops and the control plane stop.
      if (inFlight > 0)
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, DRAIN_TIMEOUT_MS).unref();
        });
      await (election as LeaderElection).stop(async () => {
        const plane = term;
        term = null;
        await termChange;
        if (plane) await plane.close();
      });
      server.closeAllConnections();
      agent.destroy();
      writeAgent.destroy();
      await own.stop();
      await readStore.close();
      await store.close();
    },
  };
}

/** The whole body, or null past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
