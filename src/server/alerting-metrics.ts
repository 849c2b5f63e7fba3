/**
 * What deploy/prometheus-rules.yml and deploy/grafana-dashboard.json read beyond SPEC §6's
 * metrics. Gauges are read from the services when scraped; the degradation counter
 * follows committed health events. The core never imports prom-client.
 *
 * @example
 * alertingMetrics(registry, { rest, health, healing });
 * // geometric_health_degradations_total{kernel="apollo_1",severity="critical"} 1
 * // autonomic_rest_coverage_gap{kernel="apollo_1"} 0
 * // healing_circuit_breaker_open{kernel="apollo_1"} 1
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { KernelRestState } from "../core/rest/kernel-state.js";
import type { HealingService } from "../services/healing-service.js";
import type { HealthService } from "../services/health-service.js";
import type { RestService } from "../services/rest-service.js";

export interface AlertingSources {
  rest: RestService;
  health: HealthService;
  healing: HealingService;
}

/** Statuses whose onset from a non-degraded one counts as a degradation. */
const DEGRADED = new Set(["warning", "critical"]);

/** Rest modes in which the kernel does no work, so its load must be covered (REDUCED still serves). */
const NEEDS_COVER = new Set(["resting", "micro_pause"]);

export function alertingMetrics(registry: Registry, { rest, health, healing }: AlertingSources): void {
  const registers = [registry];

  const onsets = new Counter({
    name: "geometric_health_degradations_total",
    help: "Degradation onsets: a kernel's health turning warning or critical from healthy or no verdict yet",
    labelNames: ["kernel", "severity"],
    registers,
  });
  health.events.subscribe((e) => {
    if (e.type === "health_status_changed" && DEGRADED.has(e.to) && !DEGRADED.has(e.from))
      onsets.inc({ kernel: e.kernel_id, severity: e.to });
  });
  // A retired kernel's series go with it; the gauges below follow the services when scraped.
  rest.events.subscribe((e) => {
    if (e.type === "kernel_retired")
      for (const severity of DEGRADED) onsets.remove({ kernel: e.kernel_id, severity });
  });

  new Gauge({
    name: "geometric_health_kernel_status",
    help: "1 for each kernel, labelled with its current health status",
    labelNames: ["kernel", "severity"],
    registers,
    collect() {
      this.reset();
      for (const k of health.constellation().kernels)
        this.set({ kernel: k.kernel_id, severity: k.status }, 1);
    },
  });

  // The thresholds in force differ by kernel (drift.threshold: reference) and by units
  // (geometry.distance: half), so the drift alerts compare against these, not constants.
  new Gauge({
    name: "geometric_health_basin_drift_threshold",
    help: "Basin drift thresholds in force for each kernel that has a drift, in the same units as geometric_health_basin_drift",
    labelNames: ["kernel", "severity"],
    registers,
    collect() {
      this.reset();
      for (const k of health.constellation().kernels) {
        if (k.basin_drift === null) continue;
        const { warning, critical } = health.health(k.kernel_id).drift_thresholds;
        this.set({ kernel: k.kernel_id, severity: "warning" }, warning);
        this.set({ kernel: k.kernel_id, severity: "critical" }, critical);
      }
    },
  });

  new Gauge({
    name: "autonomic_rest_coverage_gap",
    help: "1 while the kernel rests (not forced, not in a cycle) without an active partner covering it, else 0; SPEC requires 0",
    labelNames: ["kernel"],
    registers,
    collect() {
      this.reset();
      const states = [...rest.scheduler.states()];
      const gaps = new Set(kernelsInCoverageGap(states));
      for (const k of states) this.set({ kernel: k.kernelId }, gaps.has(k.kernelId) ? 1 : 0);
    },
  });

  new Gauge({
    name: "healing_circuit_breaker_open",
    help: "1 while remediation of the kernel is stopped by its circuit breaker (an operator must reset it), 0 when closed",
    labelNames: ["kernel"],
    registers,
    collect() {
      this.reset();
      // The guard remembers every kernel it ever guarded; a retired one is neither registered
      // nor monitored any more, and an alert on its breaker would page for nothing.
      const monitored = new Set(health.constellation().kernels.map((k) => k.kernel_id));
      for (const [kernel, k] of Object.entries(healing.guard.exportState().kernels)) {
        if (!monitored.has(kernel) && !rest.isRegistered(kernel)) continue;
        this.set({ kernel }, k.circuit_opened_at === null ? 0 : 1);
      }
    },
  });
}

export type CoverageView = Pick<
  KernelRestState,
  "kernelId" | "status" | "restForced" | "restCycle" | "coveredBy" | "coveredAlsoBy" | "coveringFor"
>;

/**
 * Kernels in a coverage gap (SPEC §3): resting or micro-pausing, neither forced nor in a
 * constellation cycle (both acknowledged), with no coverer that is active and covering it.
 * @example kernelsInCoverageGap(rest.scheduler.states()) // [] while the invariants hold
 */
export function kernelsInCoverageGap(states: Iterable<Readonly<CoverageView>>): string[] {
  const byId = new Map<string, Readonly<CoverageView>>();
  for (const k of states) byId.set(k.kernelId, k);
  const covering = (covererId: string | null, kernelId: string) => {
    const c = covererId === null ? undefined : byId.get(covererId);
    return c !== undefined && c.status === "active" && c.coveringFor === kernelId;
  };
  const gaps: string[] = [];
  for (const k of byId.values()) {
    if (!NEEDS_COVER.has(k.status) || k.restForced || k.restCycle !== null) continue;
    if (!covering(k.coveredBy, k.kernelId) && !covering(k.coveredAlsoBy, k.kernelId)) gaps.push(k.kernelId);
  }
  return gaps;
}
