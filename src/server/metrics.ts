/**
 * Prometheus metrics. The core never imports prom-client: gauges are read from the
 * service when scraped, counters follow committed domain events.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { KernelSummary } from "../core/health/reports.js";
import type { RestStatus } from "../core/rest/kernel-state.js";
import type { HealthService } from "../services/health-service.js";
import type { RestService } from "../services/rest-service.js";

const STATUSES: RestStatus[] = ["active", "resting", "reduced", "micro_pause"];

export function createMetrics(
  rest: RestService,
  health: HealthService,
  o: { processMetrics?: boolean } = {},
): Registry {
  const registry = new Registry();
  if (o.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "autonomic_" });

  // Group commit at work: writes per transaction is writes ÷ groups (a Counter's collect
  // sets the running totals the queues keep).
  for (const [name, help, pick] of [
    ["autonomic_write_groups_total", "Transactions committed by group commit, by service", "groups"],
    ["autonomic_write_group_writes_total", "Writes committed in those transactions, by service", "writes"],
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ["service"],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ service: "rest" }, rest.writeStats()[pick]);
        this.inc({ service: "health" }, health.writeStats()[pick]);
      },
    });
  }

  new Gauge({
    name: "autonomic_rest_kernels",
    help: "Registered kernels by rest status",
    labelNames: ["status"],
    registers: [registry],
    collect() {
      const counts = new Map<RestStatus, number>(STATUSES.map((s) => [s, 0]));
      for (const k of rest.kernels()) counts.set(k.status, (counts.get(k.status) ?? 0) + 1);
      for (const [status, n] of counts) this.set({ status }, n);
    },
  });

  new Gauge({
    name: "autonomic_rest_fatigue",
    help: "Fatigue score of each kernel (0..1) from its last report",
    labelNames: ["kernel"],
    registers: [registry],
    collect() {
      this.reset();
      for (const k of rest.kernels()) this.set({ kernel: k.kernel_id }, k.fatigue_score);
    },
  });

  new Gauge({
    name: "autonomic_rest_covering_kernels",
    help: "Kernels currently covering a resting partner",
    registers: [registry],
    collect() {
      this.set(rest.constellation().covering_kernels);
    },
  });

  const events = new Counter({
    name: "autonomic_rest_events_total",
    help: "Committed rest-scheduler events by type",
    labelNames: ["type"],
    registers: [registry],
  });
  rest.events.subscribe((e) => events.inc({ type: e.type }));

  healthGauges(registry, health);
  return registry;
}

/** SPEC §6's gauges, read from each kernel's cached health when scraped. */
function healthGauges(registry: Registry, health: HealthService): void {
  const perKernel = (name: string, help: string, pick: (k: KernelSummary) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ["kernel"],
      registers: [registry],
      collect() {
        this.reset();
        for (const k of health.constellation().kernels) {
          const value = pick(k);
          if (value !== null) this.set({ kernel: k.kernel_id }, value);
        }
      },
    });
  perKernel("geometric_health_phi", "Φ (integration) of each kernel's latest snapshot", (k) => k.phi);
  perKernel("geometric_health_kappa", "κ (coupling) of each kernel's latest snapshot", (k) => k.kappa_eff);
  perKernel(
    "geometric_health_basin_drift",
    "Fisher–Rao basin drift from each kernel's baseline",
    (k) => k.basin_drift,
  );
  new Gauge({
    name: "geometric_health_status",
    help: "Kernels by health status",
    labelNames: ["severity"],
    registers: [registry],
    collect() {
      for (const [severity, n] of Object.entries(health.constellation().counts)) this.set({ severity }, n);
    },
  });
}
