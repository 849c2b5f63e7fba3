import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { type Harness, openHealing, PHI_LOW } from "../../test/support/healing-service-fixture.js";
import { alertingMetrics, type CoverageView, kernelsInCoverageGap } from "./alerting-metrics.js";

async function withMetrics(harness: Harness) {
  const registry = new Registry();
  alertingMetrics(registry, harness);
  /** The samples of one metric, as `labels → value` with labels joined `name=value,…`. */
  return async (name: string): Promise<Record<string, number>> => {
    const metric = registry.getSingleMetric(name);
    if (!metric) throw new Error(`no metric ${name}`);
    const out: Record<string, number> = {};
    for (const v of (await metric.get()).values) {
      const labels = Object.entries(v.labels)
        .map(([k, l]) => `${k}=${l}`)
        .join(",");
      out[labels] = v.value;
    }
    return out;
  };
}

describe("degradation onsets", () => {
  it("counts one onset when a healthy kernel degrades, none while it stays degraded, and another after it recovers and degrades again", async () => {
    const h = await openHealing();
    const samples = await withMetrics(h);
    const onsets = async () =>
      Object.values(await samples("geometric_health_degradations_total")).reduce((a, b) => a + b, 0);

    await h.report("apollo_1", 10);
    expect(h.health.health("apollo_1").status).toBe("healthy");
    expect(await onsets()).toBe(0);

    await h.report("apollo_1", 10, PHI_LOW);
    expect(h.health.health("apollo_1").status).toBe("critical");
    expect(await onsets()).toBe(1);
    await h.report("apollo_1", 5, PHI_LOW);
    expect(await onsets()).toBe(1);

    await h.report("apollo_1", 12);
    expect(h.health.health("apollo_1").status).toBe("healthy");
    await h.report("apollo_1", 10, PHI_LOW);
    expect(await onsets()).toBe(2);
    expect(Object.keys(await samples("geometric_health_degradations_total"))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^kernel=apollo_1,severity=(warning|critical)$/)]),
    );
  });
});

describe("health per kernel", () => {
  it("labels each kernel with its current status, one series per kernel", async () => {
    const h = await openHealing();
    const samples = await withMetrics(h);
    await h.report("apollo_1", 10);
    await h.report("athena_1", 10, PHI_LOW);
    await h.report("ares_1", 3);

    expect(await samples("geometric_health_kernel_status")).toEqual({
      "kernel=apollo_1,severity=healthy": 1,
      "kernel=athena_1,severity=critical": 1,
      "kernel=ares_1,severity=insufficient_data": 1,
    });
  });

  it("exposes the drift thresholds in force in the units drift is reported in", async () => {
    const full = await openHealing();
    const half = await openHealing({ config: { geometry: { distance: "half" } } });
    for (const h of [full, half]) await h.report("apollo_1", 2);

    expect(await (await withMetrics(full))("geometric_health_basin_drift_threshold")).toEqual({
      "kernel=apollo_1,severity=warning": 1.4,
      "kernel=apollo_1,severity=critical": 2,
    });
    expect(await (await withMetrics(half))("geometric_health_basin_drift_threshold")).toEqual({
      "kernel=apollo_1,severity=warning": 0.7,
      "kernel=apollo_1,severity=critical": 1,
    });
  });
});

describe("healing circuit breaker", () => {
  it("shows a kernel's breaker open from the failure that trips it until an operator resets it", async () => {
    const h = await openHealing();
    const samples = await withMetrics(h);
    const breaker = async () => (await samples("healing_circuit_breaker_open"))["kernel=apollo_1"];
    const failures = h.config.healing.circuitBreakerFailures;

    expect(await breaker()).toBeUndefined();
    // Guarded kernels are monitored ones: a breaker shows only for a kernel still known.
    await h.report("apollo_1", 1);
    for (let i = 1; i < failures; i++) h.healing.guard.recordOutcome("apollo_1", h.clock.now(), "failure");
    expect(await breaker()).toBe(0);
    h.healing.guard.recordOutcome("apollo_1", h.clock.now(), "failure");
    expect(await breaker()).toBe(1);
    h.healing.guard.reset("apollo_1");
    expect(await breaker()).toBe(0);
  });
});

describe("coverage gap", () => {
  const view = (kernelId: string, fields: Partial<CoverageView> = {}): CoverageView => ({
    kernelId,
    status: "active",
    restForced: false,
    restCycle: null,
    coveredBy: null,
    coveredAlsoBy: null,
    coveringFor: null,
    ...fields,
  });

  it("finds no gap where an active partner covers each rest", () => {
    expect(
      kernelsInCoverageGap([
        view("apollo_1", { status: "resting", coveredBy: "athena_1" }),
        view("athena_1", { coveringFor: "apollo_1" }),
        view("hermes_1", { status: "micro_pause", coveredBy: "apollo_2" }),
        view("apollo_2", { coveringFor: "hermes_1" }),
      ]),
    ).toEqual([]);
  });

  it("finds a rest whose coverer is missing, resting itself, or covering someone else", () => {
    expect(
      kernelsInCoverageGap([
        view("apollo_1", { status: "resting" }),
        view("athena_1", { status: "resting", coveredBy: "ares_1" }),
        view("ares_1", { status: "resting", coveringFor: "athena_1", restForced: true }),
        view("hermes_1", { status: "micro_pause", coveredBy: "zeus_1" }),
        view("zeus_1", { coveringFor: "someone_else" }),
      ]),
    ).toEqual(["apollo_1", "athena_1", "hermes_1"]);
  });

  it("accepts a second coverer when the first is gone", () => {
    expect(
      kernelsInCoverageGap([
        view("apollo_1", { status: "resting", coveredBy: "gone_1", coveredAlsoBy: "athena_1" }),
        view("athena_1", { coveringFor: "apollo_1" }),
      ]),
    ).toEqual([]);
  });

  it("does not count forced rests, cycle rests or reduced kernels, which need no coverer", () => {
    expect(
      kernelsInCoverageGap([
        view("apollo_1", { status: "resting", restForced: true }),
        view("athena_1", { status: "resting", restCycle: "sleep" }),
        view("heart_1", { status: "reduced" }),
      ]),
    ).toEqual([]);
  });

  it("reports every registered kernel, at 0 while a partner covers the rest", async () => {
    const h = await openHealing();
    const samples = await withMetrics(h);
    await h.rest.register("apollo_1", "Apollo");
    await h.rest.register("athena_1", "Athena");
    const granted = await h.rest.requestRest("apollo_1");
    expect(granted.approved).toBe(true);

    expect(await samples("autonomic_rest_coverage_gap")).toEqual({
      "kernel=apollo_1": 0,
      "kernel=athena_1": 0,
    });
  });
});
