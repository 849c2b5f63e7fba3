/**
 * A retired kernel's per-kernel Prometheus series go with it, across every module that
 * labels series by kernel (metrics.ts and alerting-metrics.ts, on one registry as the app
 * builds it), while the other kernels' stay.
 */
import { describe, expect, it } from "vitest";
import { openHealing, PHI_LOW } from "../../test/support/healing-service-fixture.js";
import { alertingMetrics } from "./alerting-metrics.js";
import { createMetrics } from "./metrics.js";

/** Names of the metrics that carry a series labelled kernel="<id>". */
function seriesOf(exposition: string, kernelId: string): string[] {
  const names = exposition
    .split("\n")
    .filter((line) => !line.startsWith("#") && line.includes(`kernel="${kernelId}"`))
    .map((line) => line.slice(0, line.indexOf("{")));
  return [...new Set(names)].sort();
}

describe("metrics of a retired kernel", () => {
  it("drops every series labelled with the retired kernel and keeps the others'", async () => {
    const h = await openHealing();
    const registry = createMetrics(h.rest, h.health);
    alertingMetrics(registry, h);
    for (const [id, name] of [
      ["athena_1", "Athena"],
      ["apollo_1", "Apollo"],
    ]) {
      await h.rest.register(id, name);
      await h.rest.reportFatigue(id, { phi: 0.5, kappa: 60 });
      // Healthy first, then Φ far too low: a degradation onset each.
      await h.report(id, 10);
      await h.report(id, 10, PHI_LOW);
      h.healing.guard.recordOutcome(id, h.clock.now(), "failure");
    }
    const perKernel = [
      "autonomic_rest_coverage_gap",
      "autonomic_rest_fatigue",
      "geometric_health_basin_drift",
      "geometric_health_basin_drift_threshold",
      "geometric_health_degradations_total",
      "geometric_health_kappa",
      "geometric_health_kernel_status",
      "geometric_health_phi",
      "healing_circuit_breaker_open",
    ];
    expect(seriesOf(await registry.metrics(), "athena_1")).toEqual(perKernel);

    await h.rest.retire("athena_1");
    const after = await registry.metrics();
    expect(seriesOf(after, "athena_1")).toEqual([]);
    expect(seriesOf(after, "apollo_1")).toEqual(perKernel);
  });
});
