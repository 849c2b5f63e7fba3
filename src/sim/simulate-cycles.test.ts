import { beforeAll, describe, expect, it } from "vitest";
import { requireRegistry } from "../core/registry/registry.js";
import { type SimulationReport, simulate } from "./simulate.js";

const registry = requireRegistry("../shared/pantheon-registry.yaml");
const SLOW = 120_000;

/** The rest invariants SPEC §3 asks of every instant; cycle rests are acknowledged by the consensus. */
function expectRestInvariants(report: SimulationReport): void {
  expect(report.coverage_gap_seconds).toBe(0);
  expect(report.essential_full_stop_seconds).toBe(0);
  expect(report.coordinated_pair_overlap_seconds).toBe(0);
}

describe("the exhausted scenario", () => {
  let exhausted: SimulationReport;
  let withheld: SimulationReport;
  beforeAll(async () => {
    [exhausted, withheld] = await Promise.all([
      simulate({ registry, hours: 1, seed: 5, scenario: "exhausted" }),
      simulate({ registry, hours: 1, seed: 5, scenario: "exhausted", withholdVote: "Ocean" }),
    ]);
  }, SLOW);

  it("refuses the spent kernels' rests for want of a partner fit to cover", () => {
    expect(exhausted.coverage_refusals).toBeGreaterThan(exhausted.kernels);
    expect(exhausted.peak_fatigue.max).toBeGreaterThan(0.8);
  });

  it("reaches a SLEEP cycle on Heart's and Ocean's yes, and the record shows both votes", () => {
    expect(exhausted.cycles.length).toBeGreaterThanOrEqual(1);
    const sleep = exhausted.cycles[0];
    expect(sleep?.type).toBe("sleep");
    expect(sleep?.votes.heart).toMatchObject({ vote: true, source: "telemetry" });
    expect(sleep?.votes.ocean).toMatchObject({ vote: true, source: "telemetry" });
    expect(sleep?.votes.heart.reasoning).toMatch(/average fatigue .* > 0\.8/);
    expect(sleep?.kernels).toBe(exhausted.kernels);
    expect(exhausted.cycle_rests).toBeGreaterThanOrEqual(exhausted.kernels);
    expect(exhausted.cycle_decisions.started).toBe(exhausted.cycles.length);
  });

  it("ends the SLEEP once the rested kernels have recovered, by condition or by length", () => {
    const sleep = exhausted.cycles[0];
    expect(sleep?.ended_at).not.toBeNull();
    expect(["condition", "length"]).toContain(sleep?.by);
    expect((sleep?.ended_at ?? 0) - (sleep?.started_at ?? 0)).toBeLessThanOrEqual(1800);
  });

  it("keeps every rest invariant, counting the cycle's uncovered rests as acknowledged", () => {
    expectRestInvariants(exhausted);
    expectRestInvariants(withheld);
  });

  it("never starts a SLEEP while Ocean withholds its vote, though Heart's telemetry votes yes", () => {
    expect(withheld.withheld_vote).toBe("Ocean");
    expect(withheld.cycles).toEqual([]);
    expect(withheld.cycle_decisions.started).toBe(0);
    expect(withheld.cycle_decisions.yes_votes.heart.sleep).toBeGreaterThan(0);
    expect(withheld.cycle_decisions.yes_votes.ocean.sleep).toBe(0);
  });

  it(
    "gives the same report for the same seed, byte for byte",
    async () => {
      const run = () => simulate({ registry, hours: 0.5, seed: 9, scenario: "exhausted" });
      const [a, b] = await Promise.all([run(), run()]);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    },
    SLOW,
  );
});

describe("simulate in the normal scenario", () => {
  let day: SimulationReport;
  beforeAll(async () => {
    day = await simulate({ registry, hours: 6, seed: 7 });
  }, SLOW);

  it("takes Heart's and Ocean's consensus and starts no cycle in an ordinary day", () => {
    expect(day.scenario).toBe("normal");
    expect(day.cycles).toEqual([]);
    expect(day.cycle_decisions.count).toBeGreaterThanOrEqual(1);
    expect(day.cycle_decisions.started).toBe(0);
  });

  it("gives every woken kernel the context it handed over when it asked for rest", () => {
    expect(day.contexts.handed).toBeGreaterThan(0);
    expect(day.contexts.lost).toBe(0);
    // Rests still running at the end have not handed theirs back yet.
    expect(day.contexts.returned).toBeGreaterThan(day.contexts.handed - day.kernels);
  });

  it("measures peak fatigue and the quality of every finished rest", () => {
    expect(day.peak_fatigue.max).toBeGreaterThanOrEqual(day.peak_fatigue.mean_of_kernel_peaks);
    expect(day.peak_fatigue.max).toBeLessThanOrEqual(1);
    const q = day.rest_quality;
    expect(q.rests).toBeGreaterThan(0);
    expect(q.mean_fatigue_after).toBeLessThan(q.mean_fatigue_at_rest);
    expect(q.mean_recovery_per_minute).toBeGreaterThan(0);
    const byMode = Object.values(q.by_mode).reduce((n, m) => n + m.rests, 0);
    expect(byMode).toBe(q.rests);
    expect(day.rests_refused).toBe(Object.values(day.refusals_by_reason).reduce((a, b) => a + b, 0));
  });
});

describe("simulate's options", () => {
  it("refuses an unknown scenario or voter, naming the field", async () => {
    await expect(
      simulate({ registry, hours: 1, seed: 1, scenario: "apocalypse" as "normal" }),
    ).rejects.toThrow(/scenario/);
    await expect(simulate({ registry, hours: 1, seed: 1, withholdVote: "Zeus" as "Heart" })).rejects.toThrow(
      /withholdVote/,
    );
  });
});
