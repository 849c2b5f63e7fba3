/**
 * Wires the services on one store, in the order they need each other: actions first (every
 * directive, whichever route builds it, carries the kernel's pending actions), then rest,
 * health, alerts, healing and constellation cycles (which read rest and health), then the
 * kernel-scoped tokens. The server, the simulator and the tests all start here, so
 * they run the same wiring.
 *
 * @example
 * const services = await openServices({ config, store, clock, logger, registry });
 * await services.health.ingest({ kernel_id: "apollo_1", phi: 0.8, kappa_eff: 64 });
 */
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import type { Registry } from "../core/registry/registry.js";
import type { GitPatchRepository } from "../healing-git/index.js";
import type { Store } from "../store/store-types.js";
import { AccessTokenService } from "./access-token-service.js";
import { ActionService } from "./action-service.js";
import { AlertService } from "./alert-service.js";
import { CycleService } from "./cycle-service.js";
import { HealingService } from "./healing-service.js";
import { HealthService } from "./health-service.js";
import { RestService } from "./rest-service.js";

export interface ServicesOptions {
  config: AutonomicConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  git?: GitPatchRepository | null;
  /** This server run's id, for the "no crash" gate; null outside a server. */
  runId?: number | null;
  /** A follower's copy (SPEC §9): restored from the store, never written through. */
  readOnly?: boolean;
  /** Id makers, for runs that must be reproducible (the simulator, tests). */
  ids?: { action?: () => string; patch?: () => string; alert?: () => string };
}

export interface Services {
  actions: ActionService;
  rest: RestService;
  health: HealthService;
  alerts: AlertService;
  healing: HealingService;
  cycles: CycleService;
  accessTokens: AccessTokenService;
}

export async function openServices(o: ServicesOptions): Promise<Services> {
  const { config, store, clock, logger } = o;
  const actions = await ActionService.open({ store, clock, logger, config, newActionId: o.ids?.action });
  const rest = await RestService.open({
    registry: o.registry,
    config,
    store,
    clock,
    logger,
    pendingActions: (id) => actions.pendingFor(id),
  });
  const health = await HealthService.open({
    config,
    store,
    clock,
    logger,
    directiveFor: (id) => rest.directive(id),
  });
  // A retired kernel leaves the health monitor too, so it is no longer counted, charted or
  // found silent; its stored snapshots stay queryable. At start the stored snapshots would
  // bring it back, so a retired id not registered again is dropped once more.
  rest.events.subscribe((e) => {
    if (e.type === "kernel_retired") health.forgetKernel(e.kernel_id);
  });
  for (const id of await store.retiredKernelIds()) if (!rest.isRegistered(id)) health.forgetKernel(id);
  const alerts = new AlertService({ store, clock, logger, config: config.alerts, newId: o.ids?.alert });
  const healing = await HealingService.open({
    config,
    store,
    clock,
    logger,
    rest,
    health,
    actions,
    alerts,
    git: o.git ?? null,
    runId: o.runId ?? null,
    newPatchId: o.ids?.patch,
    readOnly: o.readOnly,
  });
  const cycles = await CycleService.open({ config, store, clock, logger, rest, health });
  const { kernelToken, operatorToken, viewerToken } = config.access;
  const accessTokens = await AccessTokenService.open({
    store,
    clock,
    logger,
    tokensConfigured: kernelToken !== null || operatorToken !== null || viewerToken !== null,
  });
  return { actions, rest, health, alerts, healing, cycles, accessTokens };
}
