/**
 * A simulated week in a real store, for the calibration and report done-when tests: six
 * god kernels in phase 4 (auto-apply) through the real services, five faults the control
 * plane should detect and heal, and one kernel (Hermes) whose κ is measured with nine times
 * the usual noise, so its κ-deviation rule fires on noise alone. Reports every 5 virtual
 * minutes, so a week takes seconds, not minutes.
 */
import { buildConfig } from "../../src/core/config.js";
import { defaultRegistryPath } from "../../src/core/registry/default-registry.js";
import { requireRegistry } from "../../src/core/registry/registry.js";
import type { FaultSpec } from "../../src/sim/faults.js";
import { SIM_EPOCH_MS, type SimulationReport, simulate } from "../../src/sim/simulate.js";

const HOUR = 3600;

export const WEEK_HOURS = 168;
export const NOISY_KERNEL = "hermes_1";

/** The week's faults: each kernel heals from its own, and Hermes has one besides its noise. */
export const WEEK_FAULTS: readonly FaultSpec[] = [
  { kernel: "Apollo", type: "basin_drift", atSeconds: 30 * HOUR },
  { kernel: "Athena", type: "error_spike", atSeconds: 54 * HOUR },
  { kernel: "Apollo", type: "latency_regression", atSeconds: 90 * HOUR },
  { kernel: "Hermes", type: "error_spike", atSeconds: 110 * HOUR },
  { kernel: "Zeus", type: "basin_drift", atSeconds: 140 * HOUR },
];

/**
 * The config the week runs under: the defaults, with verification and action timeouts long
 * enough for kernels that answer only every five minutes.
 */
export const WEEK_CONFIG = { healing: { verificationIntervalSeconds: 600, actionTimeoutSeconds: 600 } };

export interface SimulatedWeek {
  report: SimulationReport;
  fromIso: string;
  toIso: string;
}

/** Runs the week into `store` (a SQLite file or postgres:// URL) and returns the simulator's own report. */
export async function simulateWeek(store: string): Promise<SimulatedWeek> {
  const report = await simulate({
    registry: requireRegistry(defaultRegistryPath()),
    hours: WEEK_HOURS,
    seed: 17,
    phase: 4,
    kernels: 6,
    store,
    stepSeconds: 300,
    reportEverySeconds: 300,
    config: buildConfig(WEEK_CONFIG),
    faults: WEEK_FAULTS,
    kernelModels: { [NOISY_KERNEL]: { kappaNoiseSd: 9 } },
  });
  return {
    report,
    fromIso: new Date(SIM_EPOCH_MS).toISOString(),
    toIso: new Date(SIM_EPOCH_MS + WEEK_HOURS * HOUR * 1000).toISOString(),
  };
}

/** The kernel id the simulator gives a god. */
export function kernelIdOf(godName: string): string {
  return `${godName.toLowerCase()}_1`;
}
