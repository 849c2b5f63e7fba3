import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { InvalidInputError } from "../errors.js";
import type { KernelHealthReport, TrendReport } from "../health/reports.js";
import { validateActionParams } from "./remediation-action.js";
import {
  inverseAction,
  type PatchActionType,
  proposePatches,
  STRATEGIES,
  type StrategyConfig,
  strategyConfig,
} from "./strategies.js";

const CONFIG = strategyConfig(DEFAULT_CONFIG);

/** A warning kernel with every metric inside its thresholds unless overridden. */
function health(over: Partial<KernelHealthReport> = {}): KernelHealthReport {
  return {
    kernel_id: "apollo_1",
    status: "warning",
    snapshots: 50,
    window_snapshots: 10,
    findings: [],
    metrics: {
      basin_distance: 0.2,
      phi_current: 0.75,
      phi_avg: 0.75,
      phi_trend: 0,
      kappa_current: 64,
      kappa_deviation: 0.21,
      regime: "hierarchical",
      breakdown_frequency: 0,
      error_rate: 0.01,
      latency_ms: 200,
      memory_mb: 400,
      memory_trend: 0,
    },
    regime: "hierarchical",
    phi: 0.75,
    kappa_eff: 64,
    basin_drift: 0.2,
    phi_avg: 0.75,
    error_rate: 0.01,
    avg_latency_ms: 200,
    memory_mb: 400,
    basin_dimension: 64,
    has_baseline: true,
    drift_thresholds: { warning: 1.4, critical: 2, source: "fixed", units: "full" },
    in_resonance: false,
    last_timestamp: 1_790_000_000,
    // The present agrees with the window unless a test says otherwise.
    ...(over.phi_avg !== undefined && over.phi === undefined ? { phi: over.phi_avg } : {}),
    ...over,
  };
}

function trends(memorySlope: number | null = 0): TrendReport {
  return {
    kernel_id: "apollo_1",
    window_snapshots: 10,
    slopes_per_snapshot: { phi: 0, kappa_eff: 0, avg_latency_ms: 0, error_rate: 0, memory_mb: memorySlope },
  };
}

function propose(
  h: Partial<KernelHealthReport>,
  options: { memorySlope?: number | null; cover?: boolean; config?: StrategyConfig } = {},
) {
  return proposePatches(
    {
      kernelId: "apollo_1",
      health: health(h),
      trends: trends(options.memorySlope ?? 0),
      canRestWithCover: options.cover ?? false,
    },
    options.config ?? CONFIG,
  );
}

describe("proposePatches", () => {
  it("proposes nothing for a kernel the monitor calls healthy or cannot judge yet, however bad its numbers", () => {
    const bad = { phi_avg: 0.3, basin_drift: 3, error_rate: 0.5, avg_latency_ms: 9000 };
    expect(propose({ ...bad, status: "healthy" }, { memorySlope: 50 })).toEqual([]);
    expect(propose({ ...bad, status: "insufficient_data" }, { memorySlope: 50 })).toEqual([]);
  });

  it("proposes nothing for a degraded kernel whose numbers are all within the strategies' thresholds", () => {
    expect(propose({ status: "critical" })).toEqual([]);
  });

  it("corrects a basin drifted beyond 0.7 × the critical drift with a 0.3 geodesic step toward the baseline", () => {
    expect(propose({ basin_drift: 1.4 })).toEqual([]);
    const [p] = propose({ basin_drift: 1.41 });
    expect(p?.strategy).toBe("basin_drift");
    expect(p?.action).toEqual({ type: "basin_correction", params: { target: "baseline", step: 0.3 } });
    expect(p?.trigger).toEqual({ metric: "basin_drift", value: 1.41, threshold: 0.7 * 2 });
    expect(p?.persistent).toBe(false);
    expect(p?.rationale).toContain("1.41");
    expect(p?.rationale).toContain("1.4");
  });

  it("takes the drift threshold from the kernel's own report, so reference and half-unit thresholds are honoured", () => {
    const reference = { warning: 0.3, critical: 0.5, source: "reference", units: "full" } as const;
    expect(propose({ basin_drift: 0.36, drift_thresholds: reference })[0]?.trigger.threshold).toBeCloseTo(
      0.35,
    );
    const half = { warning: 0.7, critical: 1, source: "fixed", units: "half" } as const;
    expect(propose({ basin_drift: 0.69, drift_thresholds: half })).toEqual([]);
    expect(propose({ basin_drift: 0.71, drift_thresholds: half })[0]?.rationale).toContain("half units");
  });

  it("boosts integration when average Φ is below Φ min and adds decoherence when it is above Φ max", () => {
    const [low] = propose({ phi_avg: 0.61 });
    expect(low?.action).toEqual({ type: "integration_boost", params: { factor: 1.3 } });
    expect(low?.trigger).toEqual({ metric: "phi_avg", value: 0.61, threshold: 0.65 });
    expect(low?.rationale).toMatch(/average Φ 0\.61 .* below Φ min 0\.65/);
    const [high] = propose({ phi_avg: 0.9 });
    expect(high?.action).toEqual({ type: "decoherence", params: { noise: 0.1 } });
    expect(high?.trigger.threshold).toBe(0.85);
    expect([low?.persistent, high?.persistent]).toEqual([true, true]);
    expect(propose({ phi_avg: 0.65 })).toEqual([]);
    expect(propose({ phi_avg: 0.85 })).toEqual([]);
  });

  it("waits when the window's average and the present Φ disagree: the window is still catching up", () => {
    expect(propose({ phi_avg: 0.55, phi: 0.92 })).toEqual([]);
    expect(propose({ phi_avg: 0.9, phi: 0.6 })).toEqual([]);
    expect(propose({ phi_avg: 0.55, phi: 0.5 })[0]?.action.type).toBe("integration_boost");
  });

  it("leaves a low Φ that comes with κ off its optimum to the rest scheduler: that is fatigue", () => {
    const kappaOff = {
      rule: "kappa_deviation" as const,
      severity: "warning" as const,
      metric: "kappa_deviation",
      value: 40,
      threshold: 10,
      message: "|κ − κ*| 40 > 10",
    };
    const phiLow = {
      ...kappaOff,
      rule: "phi_avg_low" as const,
      severity: "critical" as const,
      metric: "phi_avg",
      value: 0.5,
      threshold: 0.65,
    };
    expect(propose({ phi_avg: 0.5, findings: [kappaOff, phiLow] })).toEqual([]);
    // κ alone off its optimum is no sign of fatigue: the boost still fires.
    expect(propose({ phi_avg: 0.5, findings: [kappaOff] })[0]?.action.type).toBe("integration_boost");
    // An overloaded Φ is not fatigue, whatever κ does.
    expect(propose({ phi_avg: 0.9, findings: [kappaOff] })[0]?.action.type).toBe("decoherence");
  });

  it("enables a cache for latency above the warning, and rests instead only when covered and configured to", () => {
    expect(propose({ avg_latency_ms: 2000 })).toEqual([]);
    const [cache] = propose({ avg_latency_ms: 2345 }, { cover: true });
    expect(cache?.action).toEqual({ type: "enable_cache", params: { entries: 1000 } });
    expect(cache?.persistent).toBe(true);
    expect(cache?.rationale).toContain("2345 ms is above 2000 ms");
    const restConfig = { ...CONFIG, performanceRestWhenCovered: true };
    const [rest] = propose({ avg_latency_ms: 2345 }, { cover: true, config: restConfig });
    expect(rest?.action).toEqual({ type: "rest", params: {} });
    expect(rest?.persistent).toBe(false);
    const [uncovered] = propose({ avg_latency_ms: 2345 }, { cover: false, config: restConfig });
    expect(uncovered?.action.type).toBe("enable_cache");
  });

  it("recycles a kernel whose memory grows faster than 10 MB per snapshot", () => {
    expect(propose({}, { memorySlope: 10 })).toEqual([]);
    expect(propose({}, { memorySlope: null })).toEqual([]);
    const [p] = propose({}, { memorySlope: 12.5 });
    expect(p?.action).toEqual({ type: "recycle", params: {} });
    expect(p?.trigger).toEqual({ metric: "memory_mb_slope", value: 12.5, threshold: 10 });
    expect(p?.persistent).toBe(false);
  });

  it("rolls back the config when the error rate is above the critical rate", () => {
    expect(propose({ error_rate: 0.05 })).toEqual([]);
    const [p] = propose({ error_rate: 0.08 });
    expect(p?.action).toEqual({ type: "rollback_config", params: {} });
    expect(p?.rationale).toContain("8 % is above 5 %");
    expect(p?.persistent).toBe(true);
  });

  it("returns every strategy that fires, highest priority first", () => {
    const all = propose(
      { basin_drift: 1.9, phi_avg: 0.5, avg_latency_ms: 3000, error_rate: 0.2 },
      { memorySlope: 20 },
    );
    expect(all.map((p) => p.strategy)).toEqual([...STRATEGIES]);
    expect(all.map((p) => p.kernel_id)).toEqual(Array(5).fill("apollo_1"));
  });

  it("refuses a health report or trends of another kernel", () => {
    const run = () =>
      proposePatches(
        { kernelId: "zeus_1", health: health(), trends: trends(), canRestWithCover: false },
        CONFIG,
      );
    expect(run).toThrow(InvalidInputError);
  });

  it("proposes only params that pass the remediation action bounds, for any valid config", () => {
    const config = fc.record({
      driftFraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
      basinStep: fc.double({ min: 0.01, max: 1, noNaN: true }),
      integrationBoostFactor: fc.double({ min: 1.001, max: 1.5, noNaN: true }),
      decoherenceNoise: fc.double({ min: 0.001, max: 0.2, noNaN: true }),
      cacheEntries: fc.integer({ min: 1, max: 1_000_000 }),
    });
    fc.assert(
      fc.property(config, fc.boolean(), (c, low) => {
        const full = { ...CONFIG, ...c };
        const proposals = propose(
          { basin_drift: 2.5, phi_avg: low ? 0.2 : 0.95, avg_latency_ms: 5000, error_rate: 0.5 },
          { memorySlope: 100, config: full },
        );
        expect(proposals).toHaveLength(5);
        for (const p of proposals) {
          if (p.action.type === "rest") continue;
          expect(validateActionParams(p.action.type, p.action.params)).toEqual(p.action.params);
        }
      }),
    );
  });
});

describe("inverseAction", () => {
  it.each<[PatchActionType, Record<string, number | string>, unknown]>([
    ["integration_boost", { factor: 1.3 }, { type: "decoherence", params: { noise: 0.12 } }],
    ["integration_boost", { factor: 1.5 }, { type: "decoherence", params: { noise: 0.2 } }],
    ["decoherence", { noise: 0.1 }, { type: "integration_boost", params: { factor: 1.25 } }],
    ["decoherence", { noise: 0.2 }, { type: "integration_boost", params: { factor: 1.5 } }],
    ["enable_cache", { entries: 1000 }, { type: "disable_cache", params: {} }],
    ["rollback_config", {}, { type: "restore_config", params: {} }],
    ["basin_correction", { target: "baseline", step: 0.3 }, { type: "basin_restore", params: {} }],
    ["recycle", {}, null],
    ["rest", {}, null],
    ["disable_cache", {}, null],
  ])("undoes %s %j with %j", (type, params, want) => {
    expect(inverseAction(type, params)).toEqual(want);
  });

  it("maps boost and decoherence onto each other so that undoing the undo gives the action back", () => {
    fc.assert(
      fc.property(fc.double({ min: 1 + 1e-9, max: 1.5, noNaN: true }), (factor) => {
        const undo = inverseAction("integration_boost", { factor });
        expect(undo?.type).toBe("decoherence");
        const redo = inverseAction("decoherence", undo?.params ?? {});
        expect(redo?.type).toBe("integration_boost");
        expect(Math.abs((redo?.params.factor as number) - factor)).toBeLessThan(1e-9);
      }),
    );
  });

  it("refuses params the action could not have been sent with", () => {
    expect(() => inverseAction("integration_boost", { factor: 2 })).toThrow(InvalidInputError);
  });
});
