/**
 * One leader's worth of control plane on an open store: services restored from it, the HTTP
 * app, and the periodic loops. A single server opens one for its life; in a cluster (SPEC §9)
 * each leadership term opens one from the database and drops it when the term ends.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import type { Registry as PantheonRegistry } from "../core/registry/registry.js";
import type { GitPatchRepository } from "../healing-git/index.js";
import { ImpactService } from "../services/impact-service.js";
import { openServices, type Services } from "../services/open-services.js";
import { PeriodicRunner } from "../services/periodic-runner.js";
import type { Store } from "../store/store-types.js";
import { buildApp } from "./app.js";
import { type ClusterReply, clusterRoute } from "./routes/cluster-route.js";

export interface ControlPlaneOptions {
  config: AutonomicConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  registry: PantheonRegistry;
  git: GitPatchRepository | null;
  /**
   * Claims one pass of a loop for its tick (`floor(now / interval)`), so that no two leaders
   * run it for the same tick; false: already run, skip. Absent: every pass runs.
   */
  claimTick?: (job: string, tick: number) => Promise<boolean>;
  /** More gauges for /metrics (the cluster's). */
  extraMetrics?: Parameters<typeof buildApp>[0]["extraMetrics"];
  /** GET /api/cluster's reply (route in cluster-route.ts). */
  cluster: ClusterReply;
  /**
   * Calibration and the impact report, when one outlives this plane: a follower rebuilds its
   * plane as the leader commits, and the phase 4 gate's cache and one-replay-at-a-time lock
   * must outlive each rebuild. Absent: one of the plane's own.
   */
  impact?: ImpactService;
}

export interface ControlPlane extends Services {
  app: FastifyInstance;
  runner: PeriodicRunner;
  runId: number;
  /** Stops the loops, finishes in-flight work and records a clean stop (the store stays open). */
  close(): Promise<void>;
}

/** What serves reads (and, for a leader, everything): services restored from the store, and their app. */
interface Plane extends Services {
  app: FastifyInstance;
}

async function openPlane(
  o: Omit<ControlPlaneOptions, "claimTick">,
  runId: number | null,
  readOnly: boolean,
): Promise<Plane> {
  const { config, store, clock, logger } = o;
  const services = await openServices({
    config,
    store,
    clock,
    logger,
    registry: o.registry,
    git: o.git,
    runId,
    readOnly,
  });
  // Calibration and the impact report only read the store: a replica's term serves them too.
  const impact = o.impact ?? new ImpactService({ store, config, clock, restEvents: services.rest.events });
  const app = await buildApp({
    ...services,
    healingRecords: store,
    fatigueHistory: store,
    config,
    logger,
    extraMetrics: o.extraMetrics,
    impact,
    clock,
    processMetrics: !readOnly,
  });
  clusterRoute(app, o.cluster);
  return { ...services, app };
}

/**
 * A follower's own state (SPEC §9): the services restored from `store` (read-only) and the app
 * that answers reads from them, with no loops, no run recorded and no process metrics. It is
 * never written through: writes go to the leader, and a fresh one replaces it as the leader
 * commits (src/cluster/follower-state.ts).
 */
export async function openReadPlane(o: Omit<ControlPlaneOptions, "claimTick">): Promise<FastifyInstance> {
  const plane = await openPlane(o, null, true);
  await plane.app.ready();
  return plane.app;
}

export async function openControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const { config, store, clock, logger } = o;
  const runId = await store.recordServerStart(clock.now());
  const { app, ...services } = await openPlane(o, runId, false);
  const { actions, rest, health, healing, cycles, alerts } = services;
  const runner = new PeriodicRunner(logger);
  const once = (job: string, intervalMs: number, run: () => Promise<unknown>) => async () => {
    const claim = o.claimTick;
    const tick = Math.floor(clock.now() / intervalMs);
    if (claim && !(await claim(job, tick))) return;
    // One line per pass, so a run's passes can be audited against the ticks (SPEC §9).
    logger.info({ job, tick }, "periodic pass");
    await run();
  };
  const loopMs = config.healing.loopIntervalSeconds * 1000;
  const consensusMs = config.cycles.consensusIntervalSeconds * 1000;
  runner.add(
    "healing-loop",
    loopMs,
    once("healing-loop", loopMs, () => healing.loopTick()),
  );
  runner.add("healing-verification", config.scheduler.tickSeconds * 1000, () => healing.tick());
  runner.add("auto-wake", config.scheduler.tickSeconds * 1000, () => rest.tick());
  runner.add(
    "consensus",
    consensusMs,
    once("consensus", consensusMs, () => cycles.tick()),
  );
  runner.add("action-timeouts", config.scheduler.tickSeconds * 1000, () => actions.expireOverdue());
  runner.add("fatigue-retention", config.scheduler.retentionSweepSeconds * 1000, async () => {
    const deleted = await rest.pruneFatigueSnapshots(config.store.fatigueRetentionSeconds);
    if (deleted > 0) logger.info({ deleted }, "old fatigue snapshots deleted");
  });
  runner.add("health-retention", config.scheduler.retentionSweepSeconds * 1000, async () => {
    const deleted = await health.pruneSnapshots(config.store.healthSnapshotRetentionSeconds);
    if (deleted > 0) logger.info({ deleted }, "old health snapshots deleted");
  });
  return {
    ...services,
    app,
    runner,
    runId,
    close: async () => {
      await runner.stop();
      await app.close();
      await cycles.drain();
      await rest.drain();
      await health.drain();
      await actions.drain();
      await healing.settled();
      await alerts.close();
      await store.recordServerStop(runId, clock.now());
    },
  };
}
