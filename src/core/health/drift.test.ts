import { describe, expect, it } from "vitest";
import { basinAt, feed, firing, makeMonitor, ONE_HOT } from "../../../test/support/health-fixture.js";

const oneHot64 = Array.from({ length: 64 }, (_, i) => (i === 0 ? 1 : 0));
const uniform64 = Array.from({ length: 64 }, () => 1 / 64);

describe("basin drift from the baseline", () => {
  it("measures a uniform 64-basin 2·arccos(1/8) ≈ 2.891 from one-hot, and is critical", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 7, { basin_coords: oneHot64 });
    const outcome = feed(monitor, 3, { basin_coords: uniform64 });
    expect(outcome.basin_drift).toBeCloseTo(2 * Math.acos(1 / 8), 12);
    expect(outcome.basin_drift).toBeCloseTo(2.891, 3);
    expect(outcome.status).toBe("critical");
    expect(firing(monitor)).toEqual(["basin_drift_critical"]);
  });

  it("takes the kernel's first basin as its baseline, even when earlier snapshots had none", () => {
    const { monitor } = makeMonitor();
    const first = feed(monitor, 2, {});
    expect([first.baseline_set, first.basin_drift]).toEqual([false, null]);
    const set = feed(monitor, 1, { basin_coords: basinAt(1) });
    expect([set.baseline_set, set.basin_drift]).toEqual([true, 0]);
    const later = feed(monitor, 1, { basin_coords: ONE_HOT });
    expect(later.baseline_set).toBe(false);
    expect(later.basin_drift).toBeCloseTo(1, 12);
    const baseline = monitor.baseline("apollo_1");
    expect(baseline?.[0]).toBeCloseTo(basinAt(1)[0] as number, 15);
    expect(baseline?.[1]).toBeCloseTo(basinAt(1)[1] as number, 15);
  });

  it("keeps the last drift while snapshots carry no basin, so a drifted kernel stays flagged", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 7, { basin_coords: ONE_HOT });
    feed(monitor, 3, { basin_coords: basinAt(2.5) });
    const outcome = feed(monitor, 5, {});
    expect(outcome.basin_drift).toBeCloseTo(2.5, 12);
    expect(firing(monitor)).toEqual(["basin_drift_critical"]);
  });

  it("measures against an explicit baseline, and a new baseline clears the drift alert", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, { basin_coords: ONE_HOT });
    feed(monitor, 3, { basin_coords: basinAt(2.5) });
    expect(monitor.health("apollo_1").status).toBe("critical");
    monitor.setBaseline("apollo_1", basinAt(2.4));
    const health = monitor.health("apollo_1");
    expect(health.basin_drift).toBeCloseTo(0.1, 12);
    expect([health.status, health.findings]).toEqual(["healthy", []]);
    expect(feed(monitor, 1, { basin_coords: basinAt(2.5) }).basin_drift).toBeCloseTo(0.1, 12);
  });
});

describe('half-distance mode (geometry.distance: "half")', () => {
  it("reports the half angle, arccos(1/8) for uniform against one-hot, and halves the thresholds", () => {
    const { monitor } = makeMonitor({ geometry: { distance: "half" } });
    feed(monitor, 7, { basin_coords: oneHot64 });
    const outcome = feed(monitor, 3, { basin_coords: uniform64 });
    expect(outcome.basin_drift).toBeCloseTo(Math.acos(1 / 8), 12);
    expect(firing(monitor)).toEqual(["basin_drift_critical"]);
    expect(monitor.health("apollo_1").drift_thresholds).toEqual({
      warning: 0.7,
      critical: 1,
      source: "fixed",
      units: "half",
    });
  });

  it("judges the same basins the same way in both units", () => {
    for (const d of [1.3, 1.5, 1.9, 2.1]) {
      const verdicts = (["full", "half"] as const).map((distance) => {
        const { monitor } = makeMonitor({ geometry: { distance } });
        feed(monitor, 7, { basin_coords: ONE_HOT });
        feed(monitor, 3, { basin_coords: basinAt(d) });
        return firing(monitor);
      });
      expect(verdicts[1]).toEqual(verdicts[0]);
    }
    // 1.5 full is 0.75 half: over the halved warning 0.7, though under the unhalved 1.4.
    const { monitor } = makeMonitor({ geometry: { distance: "half" } });
    feed(monitor, 7, { basin_coords: ONE_HOT });
    feed(monitor, 3, { basin_coords: basinAt(1.5) });
    expect(monitor.degradation("apollo_1").findings[0]).toMatchObject({ value: 0.75, threshold: 0.7 });
  });
});

describe('reference drift thresholds (driftThresholdMode: "reference")', () => {
  const reference = { health: { driftThresholdMode: "reference", referenceSnapshots: 20 } } as const;
  /** A kernel that wanders `spread` around `centre` during its first 20 drifts after the baseline. */
  function withReference(centre: number, spread: number, distance: "full" | "half" = "full") {
    const m = makeMonitor({ ...reference, geometry: { distance } });
    feed(m.monitor, 1, { basin_coords: ONE_HOT });
    const drifts = Array.from({ length: 20 }, (_, i) => centre + (i % 2 === 0 ? spread : -spread));
    const last = feed(m.monitor, 20, (i) => ({ basin_coords: basinAt(drifts[i] as number) }));
    return { ...m, drifts, last };
  }

  it("uses mean + 3σ (warning) and mean + 5σ (critical) of the kernel's first drifts", () => {
    const { monitor, last } = withReference(0.2, 0.02);
    expect(last.drift_reference_completed).toBe(true);
    const t = monitor.health("apollo_1").drift_thresholds;
    expect(t.source).toBe("reference");
    expect(t.warning).toBeCloseTo(0.2 + 3 * 0.02, 9);
    expect(t.critical).toBeCloseTo(0.2 + 5 * 0.02, 9);
  });

  it("watches a quiet kernel more closely than the fixed thresholds would", () => {
    const { monitor } = withReference(0.2, 0.02);
    feed(monitor, 3, { basin_coords: basinAt(0.35) });
    expect(firing(monitor)).toEqual(["basin_drift_critical"]);
    const fixed = makeMonitor().monitor;
    feed(fixed, 21, { basin_coords: ONE_HOT });
    feed(fixed, 3, { basin_coords: basinAt(0.35) });
    expect(firing(fixed)).toEqual([]);
  });

  it("never sets thresholds above the fixed ones for a wandering kernel", () => {
    const { monitor } = withReference(1.0, 0.4);
    expect(monitor.health("apollo_1").drift_thresholds).toMatchObject({ warning: 1.4, critical: 2 });
  });

  it("never sets thresholds below the floor for a kernel that never moved", () => {
    const { monitor } = withReference(0, 0);
    expect(monitor.health("apollo_1").drift_thresholds).toMatchObject({ warning: 0.1, critical: 0.1 });
  });

  it("uses the fixed thresholds until the reference is complete", () => {
    const { monitor } = makeMonitor(reference);
    feed(monitor, 1, { basin_coords: ONE_HOT });
    const outcome = feed(monitor, 19, { basin_coords: basinAt(0.01) });
    expect(outcome.drift_reference_completed).toBe(false);
    expect(monitor.health("apollo_1").drift_thresholds).toMatchObject({ source: "fixed", warning: 1.4 });
  });

  it("computes the reference in half units in half mode, capped by the halved fixed thresholds", () => {
    const quiet = withReference(0.2, 0.02, "half").monitor.health("apollo_1").drift_thresholds;
    expect(quiet.warning).toBeCloseTo(0.1 + 3 * 0.01, 9);
    const wandering = withReference(1.0, 0.4, "half").monitor.health("apollo_1").drift_thresholds;
    expect(wandering).toMatchObject({ warning: 0.7, critical: 1, units: "half" });
  });

  it("restarts the reference when the baseline is set again", () => {
    const { monitor } = withReference(0.2, 0.02);
    monitor.setBaseline("apollo_1", ONE_HOT);
    expect(monitor.health("apollo_1").drift_thresholds.source).toBe("fixed");
    expect(monitor.exportKernelState("apollo_1").drift_reference).toBeNull();
  });
});
