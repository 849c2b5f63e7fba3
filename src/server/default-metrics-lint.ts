/**
 * prom-client's default metrics include three gauges named `…_total`, which Prometheus
 * reserves for counters (`promtool check metrics` flags them). Each only sums a gauge
 * that stays, grouped by type, so dropping them loses nothing:
 * sum(autonomic_nodejs_active_handles) is what autonomic_nodejs_active_handles_total said.
 */
import type { Registry } from "prom-client";

const REDUNDANT_TOTALS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** Removes the redundant `_total` gauges that collectDefaultMetrics registered with `prefix`. */
export function dropRedundantDefaultTotals(registry: Registry, prefix = "autonomic_"): void {
  for (const name of REDUNDANT_TOTALS) registry.removeSingleMetric(`${prefix}${name}`);
}
