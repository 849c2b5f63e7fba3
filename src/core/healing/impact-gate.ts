/**
 * The phase 4 gate's "uptime improved, human time saved" (the seed's words), read from the
 * impact report rather than claimed. Both are standing checks beside "> 80 % verified": the
 * phase 4 gate has no next phase, so they show on the status page and block nothing.
 *
 * - uptime_improved: the share of kernel-time spent critical in the report's latest week is
 *   below its first week's, or zero (nothing left to improve). Needs two weeks with snapshots.
 * - human_time_saved: at least one incident healed with no person reviewing its patch. The
 *   count is measured; minutes appear only as the report's labelled estimate.
 */
import type { ImpactReport } from "./impact-report.js";
import type { GateCriterion } from "./phases.js";

/**
 * @example impactGateCriteria(report).map((c) => c.name) // ["uptime_improved", "human_time_saved"]
 */
export function impactGateCriteria(report: ImpactReport): GateCriterion[] {
  const measured = report.weeks.filter((w) => w.critical_share !== null);
  const first = measured[0]?.critical_share ?? null;
  const last = measured.length >= 2 ? (measured[measured.length - 1]?.critical_share ?? null) : null;
  const saved = report.incidents.healed_unattended;
  const estimate = report.estimate ? `; ${report.estimate.minutes_saved} min by estimate` : "";
  return [
    {
      name: "uptime_improved",
      description:
        last === null
          ? `share of kernel-time critical, latest week against the first (${measured.length} of 2 weeks with snapshots)`
          : `share of kernel-time critical, latest week against the first (${percent(first as number)} then)`,
      value: last,
      target: first === null ? "< the first week's" : `< ${first} (first week) or 0`,
      met: last !== null && first !== null && (last < first || last === 0),
    },
    {
      name: "human_time_saved",
      description: `incidents healed with no person reviewing them (report over the last ${days(report)} days${estimate})`,
      value: saved,
      target: "≥ 1",
      met: saved >= 1,
    },
  ];
}

function percent(share: number): string {
  return `${Math.round(share * 10_000) / 100} %`;
}

function days(r: ImpactReport): number {
  return Math.round((r.to_at - r.from_at) / 86_400_000);
}
