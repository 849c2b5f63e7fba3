import { describe, expect, it } from "vitest";
import {
  basinAt,
  feed,
  firing,
  makeMonitor,
  ONE_HOT,
  snap,
  T0,
} from "../../../test/support/health-fixture.js";
import { InvalidInputError, UnknownKernelError } from "../errors.js";
import type { HealthSnapshot } from "./snapshot.js";

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err.field;
    throw err;
  }
  throw new Error("expected an InvalidInputError");
}

describe("basin dimension", () => {
  it("is fixed by the kernel's first basin: another length is refused on basin_coords, changing nothing", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 3, { basin_coords: [1, 2, 3] });
    expect(fieldOf(() => monitor.ingest(snap({ basin_coords: [1, 2, 3, 4] })))).toBe("basin_coords");
    expect(monitor.health("apollo_1")).toMatchObject({ snapshots: 3, basin_dimension: 3 });
    expect(feed(monitor, 1, { basin_coords: [3, 2, 1] }).snapshots).toBe(4);
  });

  it("is per kernel", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 1, { basin_coords: [1, 2] });
    feed(monitor, 1, { kernel_id: "athena_1", basin_coords: [1, 2, 3, 4] });
    expect(monitor.health("athena_1").basin_dimension).toBe(4);
  });

  it("is fixed by an explicit baseline set before any snapshot", () => {
    const { monitor } = makeMonitor();
    monitor.setBaseline("hermes_1", [0, 3, 4], "embedding");
    expect(fieldOf(() => monitor.ingest(snap({ kernel_id: "hermes_1", basin_coords: [1, 1] })))).toBe(
      "basin_coords",
    );
    const health = monitor.health("hermes_1");
    expect(health).toMatchObject({
      status: "insufficient_data",
      phi: null,
      regime: null,
      has_baseline: true,
    });
    expect(fieldOf(() => monitor.setBaseline("hermes_1", [1, 1]))).toBe("basin_coords");
  });

  it("refuses a basin longer than the configured maximum", () => {
    const { monitor } = makeMonitor({ health: { maxBasinDimension: 64, defaultBasinDimension: 64 } });
    const long = Array.from({ length: 65 }, () => 1);
    expect(fieldOf(() => monitor.ingest(snap({ basin_coords: long })))).toBe("basin_coords");
    expect(monitor.has("apollo_1")).toBe(false);
  });
});

describe("batches", () => {
  it("are all or nothing, naming the index of the bad item", () => {
    const { monitor } = makeMonitor();
    const batch = [
      snap({ basin_coords: [1, 1] }),
      snap({ kernel_id: "athena_1", basin_coords: [1, 1, 1] }),
      snap({ basin_coords: [1, 1, 1] }),
    ];
    expect(fieldOf(() => monitor.ingestBatch(batch))).toBe("snapshots[2].basin_coords");
    expect(monitor.kernelIds()).toEqual([]);
  });

  it("report baselines set, status changes and resonance points", () => {
    const { monitor } = makeMonitor();
    const batch = Array.from({ length: 10 }, () => snap({ basin_coords: ONE_HOT }));
    const result = monitor.ingestBatch(batch);
    expect(result.snapshots).toBe(10);
    expect(result.timestamps).toEqual(Array(10).fill(T0 / 1000));
    expect(result.baselines_set).toEqual(["apollo_1"]);
    expect(result.status_changes).toEqual([
      { kernel_id: "apollo_1", from: "insufficient_data", to: "healthy" },
    ]);
    expect(result.resonance.map((r) => r.snapshot_index)).toEqual([5]);
  });
});

describe("ingest", () => {
  it("stamps a snapshot without a timestamp from the clock, in epoch seconds", () => {
    const { monitor, clock } = makeMonitor();
    expect(feed(monitor, 1, {}).timestamp).toBe(T0 / 1000);
    clock.advanceSeconds(30);
    expect(feed(monitor, 1, {}).timestamp).toBe(T0 / 1000 + 30);
    expect(feed(monitor, 1, { timestamp: 1_700_000_000 }).timestamp).toBe(1_700_000_000);
  });

  it("reports the status before and after, and the regime", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 9, {});
    const o = feed(monitor, 1, { phi: 0.9 });
    expect([o.previous_status, o.status, o.regime, o.snapshots]).toEqual([
      "insufficient_data",
      "healthy",
      "breakdown",
      10,
    ]);
  });

  it("reuses one outcome object, so callers copy what they keep", () => {
    const { monitor } = makeMonitor();
    const first = monitor.ingest(snap());
    const second = monitor.ingest(snap({ kernel_id: "athena_1" }));
    expect(second).toBe(first);
    expect(first.kernel_id).toBe("athena_1");
  });

  it("carries an omitted metric forward, so a kernel that stops sending it stays flagged", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, { memory_mb: 1200 });
    feed(monitor, 5, {});
    expect(firing(monitor)).toEqual(["memory"]);
    expect(monitor.health("apollo_1").memory_mb).toBe(1200);
  });

  it("does not read the snapshots before a metric's first report as zeros (no false leak)", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, {});
    feed(monitor, 1, { memory_mb: 800 });
    expect(firing(monitor)).toEqual([]);
    expect(monitor.trends("apollo_1").slopes_per_snapshot.memory_mb).toBe(0);
  });

  it("does not evaluate a metric the kernel never reported", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, {});
    expect(monitor.health("apollo_1")).toMatchObject({
      error_rate: null,
      avg_latency_ms: null,
      memory_mb: null,
    });
    expect(monitor.trends("apollo_1").slopes_per_snapshot).toMatchObject({
      error_rate: null,
      memory_mb: null,
    });
  });
});

describe("reads", () => {
  it("refuse a kernel never seen with UnknownKernelError", () => {
    const { monitor } = makeMonitor();
    for (const read of [
      () => monitor.health("nobody"),
      () => monitor.degradation("nobody"),
      () => monitor.trends("nobody"),
      () => monitor.baseline("nobody"),
      () => monitor.exportKernelState("nobody"),
    ])
      expect(read).toThrow(UnknownKernelError);
  });

  it("list degraded kernels worst first", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, { kernel_id: "a", avg_latency_ms: 3000 });
    feed(monitor, 10, { kernel_id: "b", error_rate: 0.5 });
    feed(monitor, 10, { kernel_id: "c" });
    expect(monitor.degradedKernels().map((d) => [d.kernel_id, d.status])).toEqual([
      ["b", "critical"],
      ["a", "warning"],
    ]);
  });

  it("stop after a kernel is forgotten", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 1, {});
    expect(monitor.forget("apollo_1")).toBe(true);
    expect(monitor.has("apollo_1")).toBe(false);
  });
});

describe("export and restore", () => {
  /** A history with a baseline, drift, a leak and a Φ dip: every kind of state. */
  function history(): HealthSnapshot[] {
    return Array.from({ length: 40 }, (_, i) =>
      snap({
        timestamp: 1_700_000_000 + i,
        phi: i > 34 ? 0.7 : 0.78 + 0.01 * Math.sin(i),
        basin_coords: basinAt(i < 30 ? 0.1 * (i % 3) : 1.6),
        memory_mb: 500 + 3 * i,
        error_rate: 0.01,
      }),
    );
  }

  it("rebuilds baseline, ring buffers, windows and alerts by replaying stored snapshots", () => {
    const live = makeMonitor({ health: { driftThresholdMode: "reference", referenceSnapshots: 10 } });
    const snapshots = history();
    for (const s of snapshots) live.monitor.ingest(s);
    const saved = live.monitor.exportKernelState("apollo_1");
    expect(saved).toMatchObject({ basin_dimension: 2, snapshots: 40 });
    expect(saved.drift_reference?.snapshots).toBe(10);

    const restarted = makeMonitor({ health: { driftThresholdMode: "reference", referenceSnapshots: 10 } });
    const baseline = saved.baseline as number[];
    restarted.monitor.restore("apollo_1", baseline, snapshots.slice(-15), {
      driftReference: saved.drift_reference,
      snapshots: saved.snapshots,
    });
    const before = live.monitor.health("apollo_1");
    expect(restarted.monitor.health("apollo_1")).toEqual(before);
    expect(before.findings.map((i) => i.rule)).toEqual(["basin_drift_critical", "phi_low"]);
    expect(restarted.monitor.trends("apollo_1")).toEqual(live.monitor.trends("apollo_1"));
  });

  it("is all or nothing, naming the snapshot that does not belong", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 3, {});
    const bad = [snap({ basin_coords: [1, 1] }), snap({ kernel_id: "athena_1" })];
    expect(fieldOf(() => monitor.restore("apollo_1", null, bad))).toBe("snapshots[1].kernel_id");
    const mismatch = [snap({ basin_coords: [1, 1] })];
    expect(fieldOf(() => monitor.restore("apollo_1", [1, 1, 1], mismatch))).toBe("snapshots[0].basin_coords");
    expect(monitor.health("apollo_1").snapshots).toBe(3);
  });
});
