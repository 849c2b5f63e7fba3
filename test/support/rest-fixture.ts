/**
 * Test fixtures for the rest core: the users' real registry from ../shared, a manual
 * clock, and a helper that drives a kernel's fatigue to a target through the public API.
 */
import { fileURLToPath } from "node:url";
import { ManualClock } from "../../src/core/clock.js";
import { type AutonomicConfig, buildConfig, type DeepPartial } from "../../src/core/config.js";
import { type Registry, requireRegistry } from "../../src/core/registry/registry.js";
import { RestScheduler } from "../../src/core/rest/scheduler.js";

export const SHARED_REGISTRY = fileURLToPath(
  new URL("../../../shared/pantheon-registry.yaml", import.meta.url),
);

let cached: Registry | undefined;
export function usersRegistry(): Registry {
  cached ??= requireRegistry(SHARED_REGISTRY);
  return cached;
}

export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

export function makeScheduler(overrides: DeepPartial<AutonomicConfig> = {}) {
  const clock = new ManualClock(T0);
  const config = buildConfig(overrides).rest;
  const registry = usersRegistry();
  const rest = new RestScheduler({ registry, config, clock });
  return { rest, clock, config, registry };
}

/** Kernel id used for a god in tests: "apollo_1" for Apollo. */
export const idOf = (god: string) => `${god.toLowerCase()}_1`;

export function registerGods(rest: RestScheduler, gods: readonly string[]): void {
  for (const god of gods) rest.register(idOf(god), god);
}

export function registerPantheon(rest: RestScheduler): void {
  registerGods(rest, [...rest.registry.gods.keys()]);
}

/**
 * Reports telemetry until the kernel's fatigue is within 1e-6 of `target` (or as close as
 * the formula allows: above 0.95 needs time since rest), by bisection on a monotone mix of low Φ, load, errors, κ off κ*
 * and, for high targets, a falling Φ. Returns the fatigue reached.
 */
export function setFatigue(rest: RestScheduler, kernelId: string, target: number): number {
  const kappaStar = rest.config.kappaStar;
  const report = (u: number, falling: boolean) => {
    const phi = 0.7 * (1 - u);
    if (falling) rest.reportFatigue(kernelId, 1, kappaStar);
    else rest.reportFatigue(kernelId, phi, kappaStar * (1 + 99 * u), u, u);
    rest.reportFatigue(kernelId, phi, kappaStar * (1 + 99 * u), u, u);
    return rest.fatigueScore(kernelId);
  };
  const falling = report(1, false) < target;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (report(mid, falling) < target) lo = mid;
    else hi = mid;
  }
  return report(hi, falling);
}
