/**
 * Prometheus metrics. The core never imports prom-client: gauges are read from the
 * service when scraped, counters follow committed domain events.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { RestStatus } from "../core/rest/kernel-state.js";
import type { RestService } from "../services/rest-service.js";

const STATUSES: RestStatus[] = ["active", "resting", "reduced", "micro_pause"];

export function createMetrics(rest: RestService): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "autonomic_" });

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

  return registry;
}
