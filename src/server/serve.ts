/**
 * Starts the whole server: registry, store (migrated), services (restored), HTTP, and
 * the periodic runner. `close` stops in the safe order: no new periodic work, finish
 * in-flight requests, then close the database.
 */
import type { FastifyInstance } from "fastify";
import { type Logger, pino } from "pino";
import { singleProcessClusterMetrics } from "../cluster/cluster-metrics.js";
import { type ClusterServer, startClusterServer } from "../cluster/cluster-server.js";
import { type Clock, systemClock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import { ConfigError } from "../core/errors.js";
import { defaultRegistryPath } from "../core/registry/default-registry.js";
import { type Registry, requireRegistry } from "../core/registry/registry.js";
import { type GitPatchConfigInput, GitPatchRepository, resolveGitPatchConfig } from "../healing-git/index.js";
import type { AccessTokenService } from "../services/access-token-service.js";
import type { ActionService } from "../services/action-service.js";
import type { AlertService } from "../services/alert-service.js";
import type { CycleService } from "../services/cycle-service.js";
import type { HealingService } from "../services/healing-service.js";
import type { HealthService } from "../services/health-service.js";
import type { PeriodicRunner } from "../services/periodic-runner.js";
import type { RestService } from "../services/rest-service.js";
import { openStore } from "../store/open-store.js";
import { isPostgresUrl } from "../store/store-error.js";
import type { Store } from "../store/store-types.js";
import { type ControlPlane, openControlPlane } from "./control-plane.js";

/** The config-as-code repository, when one is configured; a bad setting stops start-up naming its key. */
function gitRepository(config: AutonomicConfig, logger: Logger): GitPatchRepository | null {
  if (config.healingGit === null) return null;
  try {
    return new GitPatchRepository(resolveGitPatchConfig(config.healingGit as GitPatchConfigInput), {
      logger,
      // What the test command and git must never see or print back into a stored patch.
      secrets: [
        config.access.kernelToken,
        config.access.operatorToken,
        config.access.viewerToken,
        isPostgresUrl(config.store.location) ? config.store.location : null,
        config.alerts.webhookUrl,
      ],
    });
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ConfigError(`healingGit.${err.key}`, err.message.replace(/^[^:]*: /, ""));
    throw err;
  }
}

export interface RunningServer {
  url: string;
  /** The leader's app and services; on a PostgreSQL replica that follows, reading them throws. */
  app: FastifyInstance;
  rest: RestService;
  health: HealthService;
  actions: ActionService;
  healing: HealingService;
  alerts: AlertService;
  cycles: CycleService;
  accessTokens: AccessTokenService;
  store: Store;
  runner: PeriodicRunner;
  logger: Logger;
  /** On PostgreSQL, this replica's place in the cluster (SPEC §9); null on SQLite. */
  cluster: ClusterServer | null;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
}

export async function startServer(
  config: AutonomicConfig,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.server.logLevel, base: { service: "autonomic" } });
  const clock = options.clock ?? systemClock;
  const registry = requireRegistry(config.registryPath ?? defaultRegistryPath());
  const git = gitRepository(config, logger);
  if (isPostgresUrl(config.store.location)) return startReplica(config, { clock, logger, registry, git });
  const store = await openStore(config.store.location);
  let plane: ControlPlane | undefined;
  try {
    let address = "";
    plane = await openControlPlane({
      config,
      store,
      clock,
      logger,
      registry,
      git,
      cluster: async () => ({ status: 200, body: singleProcessCluster(address, clock.now()) }),
      extraMetrics: singleProcessClusterMetrics,
    });
    address = await plane.app.listen({ host: config.server.host, port: config.server.port });
    plane.runner.start();
    await plane.alerts.redeliverPending();
    const opened = plane;
    const running: RunningServer = {
      ...opened,
      url: address,
      store,
      logger,
      cluster: null,
      close: async () => {
        await opened.close();
        await store.close();
      },
    };
    logger.info(
      {
        url: address,
        store: store.backend,
        registry: registry.source,
        kernels: opened.rest.kernels().length,
      },
      "listening",
    );
    return running;
  } catch (err) {
    await plane?.app.close();
    await store.close();
    throw err;
  }
}

/** SQLite is one process (SPEC §9): it leads, alone, for as long as it runs. */
function singleProcessCluster(url: string, now: number) {
  const since = new Date(now).toISOString();
  return {
    backend: "sqlite",
    replica_id: new URL(url).host,
    url,
    role: "leader",
    ready: true,
    reason: null,
    leader: { replica_id: new URL(url).host, url, since: null, generation: 1 },
    lease_seconds: null,
    replicas: [{ replica_id: new URL(url).host, url, role: "leader", live: true, heartbeat_at: since }],
  };
}

/** A PostgreSQL server: one replica of the cluster, leading when it holds the lock. */
async function startReplica(
  config: AutonomicConfig,
  o: { clock: Clock; logger: Logger; registry: Registry; git: GitPatchRepository | null },
): Promise<RunningServer> {
  const cluster = await startClusterServer({ config, ...o });
  const lead = (): ControlPlane => {
    const plane = cluster.leading();
    if (plane === null) throw new Error("this replica follows; the leader's services are elsewhere");
    return plane;
  };
  const running: RunningServer = {
    url: cluster.url,
    store: cluster.store,
    logger: o.logger,
    cluster,
    get app() {
      return lead().app;
    },
    get rest() {
      return lead().rest;
    },
    get health() {
      return lead().health;
    },
    get actions() {
      return lead().actions;
    },
    get healing() {
      return lead().healing;
    },
    get alerts() {
      return lead().alerts;
    },
    get cycles() {
      return lead().cycles;
    },
    get accessTokens() {
      return lead().accessTokens;
    },
    get runner() {
      return lead().runner;
    },
    close: () => cluster.close(),
  };
  const view = cluster.view();
  o.logger.info(
    {
      url: cluster.url,
      store: "postgres",
      registry: o.registry.source,
      role: view.role,
      leader: view.leaderUrl,
    },
    "listening",
  );
  return running;
}
