/**
 * Test fixtures for the health core: a monitor on a manual clock, snapshots that are
 * healthy unless told otherwise, and basins at an exact Fisher–Rao distance from one-hot.
 */
import { ManualClock } from "../../src/core/clock.js";
import { type AutonomicConfig, buildConfig, type DeepPartial } from "../../src/core/config.js";
import { HealthMonitor, type IngestOutcome } from "../../src/core/health/monitor.js";
import { type HealthSnapshot, parseSnapshot } from "../../src/core/health/snapshot.js";

export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
export const KAPPA_STAR = 64.21;
/** Φ in the middle of the healthy band, κ at κ*. */
export const HEALTHY_SNAPSHOT = { kernel_id: "apollo_1", phi: 0.78, kappa_eff: KAPPA_STAR } as const;

export function makeMonitor(overrides: DeepPartial<AutonomicConfig> = {}) {
  const clock = new ManualClock(T0);
  const config = buildConfig(overrides);
  const monitor = new HealthMonitor({ config, clock });
  return { monitor, clock, config };
}

export function snap(fields: Record<string, unknown> = {}): HealthSnapshot {
  return parseSnapshot({ ...HEALTHY_SNAPSHOT, ...fields });
}

/** Ingests `count` snapshots (fields may depend on the index) and returns a copy of the last outcome. */
export function feed(
  monitor: HealthMonitor,
  count: number,
  fields: Record<string, unknown> | ((i: number) => Record<string, unknown>) = {},
): IngestOutcome {
  let last: IngestOutcome | undefined;
  for (let i = 0; i < count; i++)
    last = { ...monitor.ingest(snap(typeof fields === "function" ? fields(i) : fields)) };
  if (!last) throw new Error("feed needs count ≥ 1");
  return last;
}

/** Rule ids firing for a kernel. */
export function firing(monitor: HealthMonitor, kernelId = "apollo_1"): string[] {
  return monitor.degradation(kernelId).findings.map((i) => i.rule);
}

/** A 2-entry basin at Fisher–Rao distance `d` (full units) from the one-hot [1, 0]. */
export function basinAt(d: number): number[] {
  return [Math.cos(d / 2) ** 2, Math.sin(d / 2) ** 2];
}

export const ONE_HOT = [1, 0];
