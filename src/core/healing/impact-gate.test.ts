import { describe, expect, it } from "vitest";
import { impactGateCriteria } from "./impact-gate.js";
import type { ImpactReport, WeekFigures } from "./impact-report.js";

const DAY = 86_400_000;

function week(i: number, critical_share: number | null): WeekFigures {
  return {
    week_starts_at: i * 7 * DAY,
    detected: 0,
    healed: 0,
    escalated: 0,
    false_positives: 0,
    rollbacks: 0,
    reviews: 0,
    critical_share,
  };
}

function report(
  shares: (number | null)[],
  healed_unattended: number,
  minutes: number | null = null,
): ImpactReport {
  return {
    from_at: 0,
    to_at: 28 * DAY,
    incidents: {
      detected: 0,
      healed: 0,
      escalated: 0,
      open: 0,
      healed_unattended,
      false_positives: 0,
      rollbacks: 0,
    },
    weeks: shares.map((s, i) => week(i, s)),
    estimate:
      minutes === null
        ? null
        : {
            minutes_saved: minutes,
            minutes_per_incident: 30,
            incidents: healed_unattended,
            note: "estimate: …",
          },
  } as ImpactReport;
}

function byName(r: ImpactReport) {
  return Object.fromEntries(impactGateCriteria(r).map((c) => [c.name, c]));
}

describe("phase 4 gate from the impact report", () => {
  it("says uptime improved when the latest week spent less kernel-time critical than the first", () => {
    expect(byName(report([0.05, 0.03, 0.01], 0)).uptime_improved).toMatchObject({ value: 0.01, met: true });
    expect(byName(report([0.01, 0.03], 0)).uptime_improved).toMatchObject({ value: 0.03, met: false });
    // Nothing critical in either week: nothing left to improve, so it holds.
    expect(byName(report([0, 0], 0)).uptime_improved.met).toBe(true);
  });

  it("leaves uptime unmeasured, and unmet, without two weeks of snapshots", () => {
    const c = byName(report([null, 0.02], 0)).uptime_improved;
    expect(c).toMatchObject({ value: null, met: false });
    expect(c?.description).toContain("1 of 2 weeks");
  });

  it("counts human time saved as incidents healed with no review, with minutes only as an estimate", () => {
    expect(byName(report([0, 0], 0)).human_time_saved).toMatchObject({ value: 0, met: false });
    const saved = byName(report([0, 0], 3)).human_time_saved;
    expect(saved).toMatchObject({ value: 3, met: true });
    expect(saved?.description).not.toContain("estimate");
    expect(byName(report([0, 0], 3, 90)).human_time_saved?.description).toContain("90 min by estimate");
  });
});
