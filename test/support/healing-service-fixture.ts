/**
 * The healing service on the fake store, wired as the server wires it (real rest, health,
 * action and alert services, no webhook) on a manual clock, with kernels played by the test:
 * they report snapshots through the health service and answer the actions their directives
 * carry through the action service.
 */
import { pino } from "pino";
import { ManualClock } from "../../src/core/clock.js";
import { type AutonomicConfig, buildConfig, type DeepPartial } from "../../src/core/config.js";
import type { ActionResult, DirectiveAction } from "../../src/core/healing/remediation-action.js";
import type { GitPatchRepository } from "../../src/healing-git/index.js";
import { openServices } from "../../src/services/open-services.js";
import { createFakeStore, FakeDatabase } from "../../src/store/fake-store.js";
import { usersRegistry } from "./rest-fixture.js";

export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
export const KAPPA_STAR = 64.21;
/** The kernels' basin: the first snapshot makes it the baseline, so drift stays 0. */
export const BASIN = [1, 0, 0, 0];

/** A healthy kernel's telemetry: Φ mid-band, κ at κ*, no drift, 1 % errors, fast, steady memory. */
export const HEALTHY = {
  phi: 0.78,
  kappa_eff: KAPPA_STAR,
  error_rate: 0.01,
  avg_latency_ms: 200,
  memory_mb: 400,
} as const;

/** Φ far below the band with κ at κ*: critical, and not fatigue (integration_boost). */
export const PHI_LOW = { phi: 0.4 } as const;
/** Slow and erroring: performance (warning) and error spike (critical) both fire. */
export const SLOW_AND_ERRORING = { avg_latency_ms: 3000, error_rate: 0.2 } as const;

const logger = pino({ level: "silent" });

export interface HarnessOptions {
  database?: FakeDatabase;
  clock?: ManualClock;
  config?: DeepPartial<AutonomicConfig>;
  /** Prefix of the patch ids this service makes ("pat_" → pat_1, pat_2, …). */
  patchPrefix?: string;
  /** The config-as-code repository, for tests of git patches. */
  git?: GitPatchRepository;
  /** Opened as a follower's read-only copy (SPEC §9). */
  readOnly?: boolean;
}

export type Harness = Awaited<ReturnType<typeof openHealing>>;

export async function openHealing(options: HarnessOptions = {}) {
  const database = options.database ?? new FakeDatabase();
  const clock = options.clock ?? new ManualClock(T0);
  const config = buildConfig(options.config ?? {});
  const store = createFakeStore(database);
  let patches = 0;
  const prefix = options.patchPrefix ?? "pat_";
  const { actions, rest, health, alerts, healing } = await openServices({
    config,
    store,
    clock,
    logger,
    registry: usersRegistry(),
    git: options.git ?? null,
    ids: { patch: () => `${prefix}${++patches}` },
    readOnly: options.readOnly,
  });

  /** `count` snapshots, one a second, of HEALTHY overridden by `fields` (which may depend on the index). */
  async function report(
    kernelId: string,
    count: number,
    fields: Record<string, unknown> | ((i: number) => Record<string, unknown>) = {},
  ): Promise<void> {
    for (let i = 0; i < count; i++) {
      clock.advanceSeconds(1);
      await health.ingest({
        kernel_id: kernelId,
        timestamp: clock.now() / 1000,
        basin_coords: BASIN,
        ...HEALTHY,
        ...(typeof fields === "function" ? fields(i) : fields),
      });
    }
  }

  /** The one action the kernel's directive carries now; throws when there is not exactly one. */
  function pendingAction(kernelId: string): DirectiveAction {
    const pending = actions.pendingFor(kernelId);
    if (pending.length !== 1)
      throw new Error(
        `${kernelId} has ${pending.length} pending actions, expected 1: ${JSON.stringify(pending)}`,
      );
    return pending[0] as DirectiveAction;
  }

  /** The kernel answers its one pending action; resolves once healing has acted on the answer. */
  async function answer(kernelId: string, result: ActionResult): Promise<DirectiveAction> {
    const action = pendingAction(kernelId);
    await actions.recordResult(action.action_id, result);
    await healing.settled();
    return action;
  }

  /** The kernel's answer to a dry run predicting Φ (κ at κ*, and the other metrics given). */
  const predicting = (
    phi: number,
    extra: { error_rate?: number; avg_latency?: number; memory_mb?: number; memory_mb_slope?: number } = {},
  ): ActionResult => ({
    ok: true,
    predicted: { phi, kappa_eff: KAPPA_STAR, ...extra },
  });

  async function patch(patchId: string) {
    const found = await store.getPatch(patchId);
    if (!found) throw new Error(`no patch ${patchId}`);
    return found;
  }

  async function alertsOf(kind: string) {
    return (await store.listAlerts({})).filter((a) => a.kind === kind);
  }

  /** Advances to phase `to` by force, as an operator would on a fresh store. */
  async function forcePhase(to: number): Promise<void> {
    while (healing.phase < to) await healing.advancePhase({ force: true, reason: "test", actor: "tester" });
  }

  return {
    database,
    clock,
    config,
    store,
    actions,
    rest,
    health,
    alerts,
    healing,
    report,
    pendingAction,
    answer,
    predicting,
    patch,
    alertsOf,
    forcePhase,
  };
}

/** Resolves once `check` returns a value, letting queued work run between tries. */
export async function eventually<T>(check: () => T | undefined | null, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = check();
    if (value !== undefined && value !== null) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("condition never held");
}
