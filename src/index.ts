/**
 * Autonomic as a library: the same core the server and the simulator run.
 */
export { type Clock, ManualClock, systemClock } from "./core/clock.js";
export {
  type AutonomicConfig,
  buildConfig,
  type CyclesConfig,
  DEFAULT_CONFIG,
  type HealthConfig,
  type RestConfig,
} from "./core/config.js";
export * from "./core/cycles/constellation-metrics.js";
export * from "./core/cycles/cycle-decider.js";
export type * from "./core/cycles/cycle-events.js";
export * from "./core/cycles/cycle-types.js";
export * from "./core/cycles/votes.js";
export * from "./core/errors.js";
export * from "./core/geometry.js";
export * from "./core/healing/remediation-action.js";
export type { RuleId, Severity } from "./core/health/degradation.js";
export type { HealthIssue } from "./core/health/issues.js";
export type { DriftReferenceState, HealthStatus } from "./core/health/kernel-health.js";
export * from "./core/health/monitor.js";
export type * from "./core/health/reports.js";
export type { ResonancePoint } from "./core/health/resonance.js";
export * from "./core/health/snapshot.js";
export type { HealthMonitorConfig, Regime } from "./core/health/thresholds.js";
export { defaultRegistryPath } from "./core/registry/default-registry.js";
export * from "./core/registry/registry.js";
export type { RestPolicyType, Tier } from "./core/registry/registry-schema.js";
export type * from "./core/rest/events.js";
export { computeFatigue, kappaStability } from "./core/rest/fatigue.js";
export { invariantViolations } from "./core/rest/invariants.js";
export type { KernelPolicy, KernelTier, RestMode, RestStatus } from "./core/rest/kernel-state.js";
export type { RestTrigger } from "./core/rest/policies.js";
export { restRecovery } from "./core/rest/rest-quality.js";
export * from "./core/rest/scheduler.js";
export type * from "./core/rest/status.js";
