/**
 * Starts the whole server: registry, store (migrated), services (restored), HTTP, and
 * the periodic runner. `close` stops in the safe order: no new periodic work, finish
 * in-flight requests, then close the database.
 */
import type { FastifyInstance } from "fastify";
import { type Logger, pino } from "pino";
import { type Clock, systemClock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import { ConfigError } from "../core/errors.js";
import { defaultRegistryPath } from "../core/registry/default-registry.js";
import { requireRegistry } from "../core/registry/registry.js";
import { type GitPatchConfigInput, GitPatchRepository, resolveGitPatchConfig } from "../healing-git/index.js";
import type { AccessTokenService } from "../services/access-token-service.js";
import type { ActionService } from "../services/action-service.js";
import type { AlertService } from "../services/alert-service.js";
import type { CycleService } from "../services/cycle-service.js";
import type { HealingService } from "../services/healing-service.js";
import type { HealthService } from "../services/health-service.js";
import { ImpactService } from "../services/impact-service.js";
import { openServices } from "../services/open-services.js";
import { PeriodicRunner } from "../services/periodic-runner.js";
import type { RestService } from "../services/rest-service.js";
import { openStore } from "../store/open-store.js";
import { isPostgresUrl } from "../store/store-error.js";
import type { Store } from "../store/store-types.js";
import { buildApp } from "./app.js";

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
  const store = await openStore(config.store.location);
  let app: FastifyInstance | undefined;
  try {
    const runId = await store.recordServerStart(clock.now());
    const services = await openServices({
      config,
      store,
      clock,
      logger,
      registry,
      git: gitRepository(config, logger),
      runId,
    });
    const impact = new ImpactService({ store, config, clock, restEvents: services.rest.events });
    app = await buildApp({
      ...services,
      healingRecords: store,
      fatigueHistory: store,
      config,
      logger,
      impact,
      clock,
    });
    const { actions, rest, health, alerts, healing, cycles, accessTokens } = services;
    const runner = new PeriodicRunner(logger);
    runner.add("healing-loop", config.healing.loopIntervalSeconds * 1000, () => healing.loopTick());
    runner.add("healing-verification", config.scheduler.tickSeconds * 1000, () => healing.tick());
    runner.add("auto-wake", config.scheduler.tickSeconds * 1000, () => rest.tick());
    runner.add("consensus", config.cycles.consensusIntervalSeconds * 1000, () => cycles.tick());
    runner.add("action-timeouts", config.scheduler.tickSeconds * 1000, () => actions.expireOverdue());
    runner.add("fatigue-retention", config.scheduler.retentionSweepSeconds * 1000, async () => {
      const deleted = await rest.pruneFatigueSnapshots(config.store.fatigueRetentionSeconds);
      if (deleted > 0) logger.info({ deleted }, "old fatigue snapshots deleted");
    });
    runner.add("health-retention", config.scheduler.retentionSweepSeconds * 1000, async () => {
      const deleted = await health.pruneSnapshots(config.store.healthSnapshotRetentionSeconds);
      if (deleted > 0) logger.info({ deleted }, "old health snapshots deleted");
    });
    const address = await app.listen({ host: config.server.host, port: config.server.port });
    runner.start();
    await alerts.redeliverPending();
    const running: RunningServer = {
      url: address,
      app,
      rest,
      health,
      actions,
      healing,
      alerts,
      cycles,
      accessTokens,
      store,
      runner,
      logger,
      close: async () => {
        await runner.stop();
        await running.app.close();
        await cycles.drain();
        await rest.drain();
        await health.drain();
        await actions.drain();
        await healing.settled();
        await alerts.close();
        await store.recordServerStop(runId, clock.now());
        await store.close();
      },
    };
    logger.info(
      { url: address, store: store.backend, registry: registry.source, kernels: rest.kernels().length },
      "listening",
    );
    return running;
  } catch (err) {
    await app?.close();
    await store.close();
    throw err;
  }
}
