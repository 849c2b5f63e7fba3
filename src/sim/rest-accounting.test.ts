import { describe, expect, it } from "vitest";
import type { KernelStatus } from "../core/rest/status.js";
import { RestAccounting } from "./rest-accounting.js";

function status(id: string, over: Partial<KernelStatus> = {}): KernelStatus {
  return {
    kernel_id: id,
    kernel_name: id,
    tier: "specialized",
    rest_policy: "coordinated_alternating",
    status: "active",
    fatigue_score: 0.2,
    is_resting: false,
    covered_by: null,
    covered_also_by: null,
    covering_for: null,
    cover_share: 0,
    cycle: null,
    rest_threshold: 0.45,
    threshold_shift: 0,
    predicted_seconds_to_threshold: null,
    rest_count: 0,
    total_rest_time: 0,
    time_in_status: 0,
    ...over,
  };
}

const statuses = (...all: KernelStatus[]) => new Map(all.map((s) => [s.kernel_id, s]));
const resting = (over: Partial<KernelStatus> = {}) =>
  status("zeus_1", { status: "resting", is_resting: true, ...over });

describe("RestAccounting's coverage gap", () => {
  it("counts a resting kernel whose coverer is not covering it", () => {
    const a = new RestAccounting(0, []);
    a.sample(statuses(resting({ covered_by: "hera_1" }), status("hera_1")), 10);
    expect(a.figures(10_000, new Map()).coverage_gap_seconds).toBe(10);
  });

  it("counts no gap while the coverer is active and covering it", () => {
    const a = new RestAccounting(0, []);
    a.sample(
      statuses(
        resting({ covered_by: "hera_1" }),
        status("hera_1", { covering_for: "zeus_1", cover_share: 1 }),
      ),
      10,
    );
    expect(a.figures(10_000, new Map()).coverage_gap_seconds).toBe(0);
  });

  it("needs both coverers of a shared coverage active and covering", () => {
    const a = new RestAccounting(0, []);
    const shared = resting({ covered_by: "hera_1", covered_also_by: "athena_1" });
    const hera = status("hera_1", { covering_for: "zeus_1", cover_share: 0.6 });
    a.sample(statuses(shared, hera, status("athena_1", { covering_for: "zeus_1", cover_share: 0.4 })), 10);
    expect(a.figures(10_000, new Map()).coverage_gap_seconds).toBe(0);
    a.sample(statuses(shared, hera, status("athena_1", { status: "reduced", is_resting: true })), 10);
    expect(a.figures(20_000, new Map()).coverage_gap_seconds).toBe(10);
  });

  it("counts no gap for a constellation cycle's uncovered rests, nor an overlap for a pair resting in one", () => {
    const a = new RestAccounting(0, [["zeus_1", "hera_1"]]);
    const hera = status("hera_1", { status: "resting", is_resting: true, cycle: "sleep" });
    a.sample(statuses(resting({ cycle: "sleep" }), hera), 10);
    const f = a.figures(10_000, new Map());
    expect(f.coverage_gap_seconds).toBe(0);
    expect(f.coordinated_pair_overlap_seconds).toBe(0);
  });

  it("still counts a pair resting together outside a cycle", () => {
    const a = new RestAccounting(0, [["zeus_1", "hera_1"]]);
    const hera = status("hera_1", { status: "resting", covered_by: "zeus_1" });
    a.sample(statuses(resting({ covered_by: "hera_1" }), hera), 10);
    expect(a.figures(10_000, new Map()).coordinated_pair_overlap_seconds).toBe(10);
  });
});
