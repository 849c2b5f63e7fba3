import { describe, expect, it } from "vitest";
import { buildConfig } from "../config.js";
import type { HealthSnapshot } from "../health/snapshot.js";
import { type ImpactInput, impactReport, spread, weekStart } from "./impact-report.js";
import type { Patch, PatchTransition } from "./patch.js";

const T0 = Date.UTC(2026, 0, 5); // a Monday
const MIN = 60_000;

function snapshot(kernel_id: string, i: number, over: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    kernel_id,
    timestamp: (T0 + i * MIN) / 1000,
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

function patch(
  id: string,
  kernel: string,
  steps: [PatchTransition["to"], number, string?][],
  over: Partial<Patch> = {},
): Patch {
  const transitions: PatchTransition[] = steps.map(([to, minute, actor], i) => ({
    from: i === 0 ? null : (steps[i - 1]?.[0] ?? null),
    to,
    at: T0 + minute * MIN,
    actor: (actor ?? "system") as PatchTransition["actor"],
    reason: "test",
  }));
  return {
    patch_id: id,
    kernel_id: kernel,
    strategy: "performance",
    state: steps[steps.length - 1]?.[0] ?? "generated",
    created_at: transitions[0]?.at ?? T0,
    updated_at: transitions[transitions.length - 1]?.at ?? T0,
    transitions,
    false_positive: false,
    ...over,
  } as Patch;
}

function input(over: Partial<ImpactInput> = {}): ImpactInput {
  const n = 300;
  return {
    config: buildConfig(),
    histories: [
      {
        kernel_id: "slow_1",
        baseline: null,
        // Latency over 2000 ms from minute 100 until the cache at minute 110 takes it back.
        snapshots: Array.from({ length: n }, (_, i) =>
          snapshot("slow_1", i, { avg_latency_ms: i >= 100 && i < 110 ? 3500 : 200 }),
        ),
      },
      {
        kernel_id: "erring_1",
        baseline: null,
        // Errors at 20 % (critical) from minute 200 to 229: nothing heals it, an alert is raised.
        snapshots: Array.from({ length: n }, (_, i) =>
          snapshot("erring_1", i, { error_rate: i >= 200 && i < 230 ? 0.2 : 0.01 }),
        ),
      },
    ],
    patches: [
      patch("pat_1", "slow_1", [
        ["generated", 103],
        ["sandboxed", 104],
        ["pending_review", 104],
        ["applied", 108, "user:ada"],
        ["verified", 112],
      ]),
      patch(
        "pat_2",
        "erring_1",
        [
          ["generated", 203],
          ["sandboxed", 204],
          ["pending_review", 204],
          ["rejected", 234, "user:ada"],
        ],
        { strategy: "error_spike", false_positive: true },
      ),
    ],
    alerts: [
      { alert_id: "alert_1", kind: "critical_unhealed", kernel_id: "erring_1", created_at: T0 + 220 * MIN },
    ],
    rests: [
      {
        kernel_id: "slow_1",
        rest_type: "resting",
        started_at: T0 + 10 * MIN,
        ended_at: T0 + 20 * MIN,
        forced: false,
        cycle: null,
      },
      {
        kernel_id: "erring_1",
        rest_type: "resting",
        started_at: T0 + 30 * MIN,
        ended_at: T0 + 40 * MIN,
        forced: true,
        cycle: null,
      },
    ],
    coverage: [{ covering_for: "slow_1", started_at: T0 + 12 * MIN, ended_at: T0 + 20 * MIN }],
    rests_refused: 3,
    refused_since_ms: T0,
    since_ms: T0,
    until_ms: T0 + n * MIN,
    max_gap_ms: 300_000,
    minutes_per_incident: null,
    ...over,
  };
}

describe("impact report", () => {
  it("finds each degradation episode as an incident and says which was healed and which escalated", () => {
    const r = impactReport(input());
    expect(r.incidents).toMatchObject({ detected: 2, healed: 1, escalated: 1, open: 0, false_positives: 1 });
    const [slow, erring] = r.incident_list;
    // for = 3 snapshots: the condition held from minute 100, the rule fired at 102.
    expect(slow).toMatchObject({
      kernel_id: "slow_1",
      began_at: T0 + 100 * MIN,
      detected_at: T0 + 102 * MIN,
    });
    expect(slow?.healed_by).toBe("pat_1");
    expect(erring).toMatchObject({
      kernel_id: "erring_1",
      healed_by: null,
      escalated: true,
      rules: ["error_rate"],
    });
  });

  it("ends a silence when the kernel is heard from again, and counts its repeated alerts once", () => {
    const heard = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => snapshot("mute_1", from + i));
    const silent = (id: string, minute: number) => ({
      alert_id: id,
      kind: "kernel_silent",
      kernel_id: "mute_1",
      created_at: T0 + minute * MIN,
    });
    const r = impactReport(
      input({
        // Reports until minute 49, silent until 80, reports until 99, then silent for good.
        histories: [{ kernel_id: "mute_1", baseline: null, snapshots: [...heard(0, 50), ...heard(80, 100)] }],
        patches: [],
        // The first silence outlasts the de-duplication window, so its alert is raised twice.
        alerts: [silent("alert_1", 52), silent("alert_2", 70), silent("alert_3", 103)],
      }),
    );
    expect(r.incident_list).toEqual([
      expect.objectContaining({ detected_at: T0 + 52 * MIN, ended_at: T0 + 80 * MIN, rules: ["silence"] }),
      expect.objectContaining({ detected_at: T0 + 103 * MIN, ended_at: null, rules: ["silence"] }),
    ]);
    expect(r.incidents).toMatchObject({ detected: 2, escalated: 2, open: 1 });
  });

  it("measures time to detect, to heal and to a review decision", () => {
    const r = impactReport(input());
    expect(r.time_to_detect_seconds).toEqual({ count: 2, median: 120, p95: 120 });
    expect(r.time_to_heal_seconds).toEqual({ count: 1, median: 360, p95: 360 });
    expect(r.reviews).toMatchObject({ decided: 2, approved: 1, rejected: 1 });
    expect(r.reviews.time_to_decision_seconds).toEqual({ count: 2, median: 1020, p95: 1800 });
  });

  it("measures the share of kernel-time spent critical, rests and the coverage gap", () => {
    const r = impactReport(input());
    // erring_1 is critical from its firing at 202 until the rule releases (keep firing 2) at 232.
    expect(r.kernel_hours).toBeCloseTo((2 * 299) / 60, 3);
    expect(r.critical_share).toBeCloseTo(30 / (2 * 299), 3);
    // slow_1 rested 10 minutes and its partner took over 2 minutes late; the forced rest needs none.
    expect(r.rests).toEqual({
      granted: 2,
      refused: 3,
      refusals_counted_from_at: T0,
      coverage_gap_seconds: 120,
    });
  });

  it("gives an estimate of time saved only when minutes per incident are configured, and calls it one", () => {
    expect(impactReport(input()).estimate).toBeNull();
    const reviewedOnly = impactReport(input({ minutes_per_incident: 30 })).estimate;
    // The one healed incident was reviewed by a person: nothing is saved.
    expect(reviewedOnly).toMatchObject({ minutes_saved: 0, incidents: 0 });
    const auto = input({ minutes_per_incident: 30 });
    auto.patches = [
      patch("pat_3", "slow_1", [
        ["generated", 103],
        ["sandboxed", 104],
        ["applied", 104],
        ["verified", 110],
      ]),
    ];
    const estimate = impactReport(auto).estimate;
    expect(estimate).toMatchObject({ minutes_saved: 30, incidents: 1 });
    expect(estimate?.note).toMatch(/^estimate:/);
  });

  it("groups figures by week, Monday to Monday (UTC)", () => {
    const r = impactReport(input({ until_ms: T0 + 8 * 86_400_000 }));
    expect(r.weeks.map((w) => w.week_starts_at)).toEqual([T0, T0 + 7 * 86_400_000]);
    expect(r.weeks[0]).toMatchObject({
      detected: 2,
      healed: 1,
      escalated: 1,
      false_positives: 1,
      reviews: 2,
    });
    expect(r.weeks[1]).toMatchObject({ detected: 0, critical_share: null });
    expect(weekStart(T0 + 3 * 86_400_000 + 5)).toBe(T0);
  });

  it("takes medians and nearest-rank 95th percentiles", () => {
    expect(spread([])).toEqual({ count: 0, median: null, p95: null });
    expect(spread([4, 1, 3, 2])).toEqual({ count: 4, median: 2.5, p95: 4 });
    expect(spread(Array.from({ length: 100 }, (_, i) => i + 1)).p95).toBe(95);
  });
});
