import { describe, expect, it } from "vitest";
import { buildConfig } from "../config.js";
import { type CalibrationEvidence, calibrate, type KernelHistory, scaledHealth } from "./calibration.js";
import type { HealthSnapshot } from "./snapshot.js";

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

function snapshot(kernel_id: string, i: number, over: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    kernel_id,
    timestamp: (T0 + i * MINUTE) / 1000,
    phi: 0.78,
    kappa_eff: 64.21,
    basin_coords: null,
    confidence: null,
    surprise: null,
    agency: null,
    error_rate: 0.01,
    avg_latency_ms: 200,
    memory_mb: 400,
    cpu_pct: null,
    code_hash: null,
    label: null,
    context: null,
    set_baseline: false,
    ...over,
  };
}

/** κ 11.8 off κ* for four snapshots in every eight: over the 10 warning, under 12.5. */
function noisyKappa(n: number): KernelHistory {
  const snapshots = Array.from({ length: n }, (_, i) =>
    snapshot("noisy_1", i, { kappa_eff: i % 8 < 4 ? 76 : 64.21 }),
  );
  return { kernel_id: "noisy_1", baseline: null, snapshots };
}

/** Latency at 3500 ms for snapshots 100–129: a regression the latency rule must keep catching. */
function latencyIncident(n: number): KernelHistory {
  const snapshots = Array.from({ length: n }, (_, i) =>
    snapshot("quiet_1", i, { avg_latency_ms: i >= 100 && i < 130 ? 3500 : 200 }),
  );
  return { kernel_id: "quiet_1", baseline: null, snapshots };
}

const incident: CalibrationEvidence = {
  kind: "incident",
  source: "verified_patch",
  ref: "pat_1",
  kernel_id: "quiet_1",
  rules: ["latency"],
  from_ms: T0 + 100 * MINUTE - 3_600_000,
  to_ms: T0 + 110 * MINUTE,
};

function run(evidence: CalibrationEvidence[] = [incident]) {
  const n = 24 * 60;
  return calibrate({
    config: buildConfig(),
    histories: [noisyKappa(n), latencyIncident(n)],
    evidence,
    since_ms: T0,
    until_ms: T0 + n * MINUTE,
  });
}

describe("threshold calibration", () => {
  it("suggests a looser κ rule for the one kernel whose κ is noisy, and leaves the rule alone for the rest", () => {
    const kappa = run().rules.find((r) => r.rule === "kappa_deviation");
    expect(kappa?.suggested.factor).toBe(1);
    expect(kappa?.kernel_overrides).toHaveLength(1);
    const noisy = kappa?.kernel_overrides[0];
    expect(noisy?.kernel_id).toBe("noisy_1");
    expect(noisy?.suggested.threshold).toBe(12.5);
    expect(noisy?.alerts_now).toBeGreaterThan(100);
    expect(noisy?.suggested.alerts).toBe(0);
  });

  it("reports per candidate the alerts a day, the incidents caught and the false positives", () => {
    const latency = run().rules.find((r) => r.rule === "latency");
    const byFactor = new Map(latency?.candidates.map((c) => [c.factor, c]));
    expect(byFactor.get(1)).toMatchObject({
      threshold: 2000,
      alerts: 1,
      alerts_per_day: 1,
      incidents_caught: 1,
    });
    expect(byFactor.get(1.5)).toMatchObject({ threshold: 3000, incidents_caught: 1 });
    expect(byFactor.get(2)).toMatchObject({ threshold: 4000, alerts: 0, incidents_caught: 0 });
  });

  it("never suggests a candidate that would lose an incident the rule catches now", () => {
    const latency = run().rules.find((r) => r.rule === "latency");
    // Factor 2 has fewer alerts (none) but would miss the regression.
    expect(latency?.suggested.factor).toBe(1);
    expect(latency?.kernel_overrides).toEqual([]);
    // Without the incident as evidence, the one alert is noise, and the rule may be loosened.
    const unguarded = run([]).rules.find((r) => r.rule === "latency");
    expect(unguarded?.kernel_overrides[0]?.suggested.factor).toBe(2);
  });

  it("counts a false positive a candidate still fires for, and one it no longer does", () => {
    const fp: CalibrationEvidence = { ...incident, kind: "false_positive", source: "review_not_needed" };
    const latency = run([fp]).rules.find((r) => r.rule === "latency");
    const byFactor = new Map(latency?.candidates.map((c) => [c.factor, c]));
    expect(byFactor.get(1)?.false_positives).toBe(1);
    expect(byFactor.get(2)?.false_positives).toBe(0);
  });

  it("writes a config layer that buildConfig accepts and that applies the overrides", () => {
    const report = run();
    expect(report.config.health).toEqual({ kernelOverrides: { noisy_1: { kappaDeviationWarning: 12.5 } } });
    const applied = buildConfig(report.config as never);
    expect(applied.health.kernelOverrides.noisy_1?.kappaDeviationWarning).toBe(12.5);
  });

  it("never suggests a tighter threshold, even one that would raise fewer alerts by never stopping", () => {
    // Φ swings between 0.20 and 0.75: every looser Φ-low threshold still sees each dip, while
    // the tighter 0.894 sees Φ below it all the time, one endless alert.
    const swinging: KernelHistory = {
      kernel_id: "swing_1",
      baseline: null,
      snapshots: Array.from({ length: 600 }, (_, i) =>
        snapshot("swing_1", i, { phi: i % 8 < 4 ? 0.2 : 0.75 }),
      ),
    };
    const report = calibrate({
      config: buildConfig(),
      histories: [swinging],
      evidence: [],
      since_ms: T0,
      until_ms: T0 + 600 * MINUTE,
    });
    const phiLow = report.rules.find((r) => r.rule === "phi_low");
    const alerts = (f: number) => phiLow?.candidates.find((c) => c.factor === f)?.alerts ?? 0;
    expect(alerts(0.8)).toBeLessThan(alerts(1) / 10);
    expect(alerts(3)).toBe(alerts(1));
    expect(phiLow?.suggested.factor).toBe(1);
    expect(phiLow?.kernel_overrides).toEqual([]);
  });

  it("loosens each rule in its own direction, inside what the config accepts", () => {
    const h = scaledHealth(buildConfig().health, 2);
    expect(h.latencyWarningMs).toBe(4000); // fires above: raised
    expect(h.phiAvgLowCritical).toBe(0.325); // fires below: lowered
    expect(h.phiSlopeWarningPerSnapshot).toBe(-0.1); // a negative slope: more negative
    expect(h.phiAvgHighCritical).toBe(1); // a fraction stays ≤ 1
    expect(h.driftCritical).toBeCloseTo(Math.PI, 4); // drift stays ≤ π
    expect(h.breakdownMaxOfWindow).toBe(6);
  });
});
