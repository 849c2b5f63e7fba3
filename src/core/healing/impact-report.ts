/**
 * The impact report (the seed's "measure ROI" step), from measured records only: stored
 * snapshots replayed through the detector, patches with their transitions, alerts, rests
 * and coverage. Nothing here is estimated except the one figure named `estimate`, which
 * appears only when `report.minutesPerIncident` is configured.
 *
 * An **incident** is one degradation episode of one kernel: it is *detected* at the first
 * snapshot at which the detector's status for the kernel goes from healthy to warning or
 * critical, and ends at the first snapshot at which it is healthy again (open when the span
 * ends first). It *began* at the first snapshot of the run leading up to detection at which
 * some rule's condition already held (before the `for` wait); time to detect is detection
 * minus that. A kernel's silence (`kernel_silent` alert) is an incident too, detected when
 * the alert was raised and ended when the kernel was heard from again. An incident is
 * *healed* when a patch on its kernel, generated while it lasted, was verified; time to heal
 * runs from detection to that patch's live action (its `applied` transition). It is *escalated* when an alert was raised about its kernel
 * while it lasted.
 *
 * Pure and synchronous: records in, figures out.
 */
import { ManualClock } from "../clock.js";
import type { AutonomicConfig } from "../config.js";
import { RULES, type RuleId } from "../health/degradation.js";
import { HealthMonitor } from "../health/monitor.js";
import type { HealthSnapshot } from "../health/snapshot.js";
import type { Patch } from "./patch.js";
import { median } from "./phases.js";

/** Alerts that hand an incident to a person. */
export const ESCALATING_ALERTS: readonly string[] = [
  "critical_unhealed",
  "kernel_silent",
  "circuit_open",
  "rollback_failed",
  "verification_inconclusive",
];

export interface ReportHistory {
  kernel_id: string;
  baseline: ArrayLike<number> | null;
  /** Oldest first. */
  snapshots: readonly HealthSnapshot[];
}

export interface ReportAlert {
  alert_id: string;
  kind: string;
  kernel_id: string | null;
  created_at: number;
}

export interface ReportRest {
  kernel_id: string;
  rest_type: string;
  started_at: number;
  ended_at: number | null;
  forced: boolean;
  cycle: string | null;
}

export interface ReportCoverage {
  covering_for: string;
  started_at: number;
  ended_at: number | null;
}

export interface ImpactInput {
  config: Pick<AutonomicConfig, "health" | "geometry" | "rest">;
  histories: readonly ReportHistory[];
  patches: readonly Patch[];
  alerts: readonly ReportAlert[];
  rests: readonly ReportRest[];
  coverage: readonly ReportCoverage[];
  /** Rests refused since `refused_since_ms` (refusals are counted, not stored); null when unknown. */
  rests_refused: number | null;
  refused_since_ms: number | null;
  since_ms: number;
  until_ms: number;
  /** A gap between two snapshots longer than this is silence, not kernel-time. */
  max_gap_ms: number;
  /** `report.minutesPerIncident`: a person's minutes per incident, for the estimate; null for none. */
  minutes_per_incident: number | null;
}

export interface Incident {
  kernel_id: string;
  began_at: number;
  detected_at: number;
  ended_at: number | null;
  /** The rules firing at detection; ["silence"] for a silent kernel. */
  rules: string[];
  healed_by: string | null;
  healed_at: number | null;
  escalated: boolean;
}

export interface Spread {
  count: number;
  median: number | null;
  p95: number | null;
}

export interface WeekFigures {
  week_starts_at: number;
  detected: number;
  healed: number;
  escalated: number;
  false_positives: number;
  rollbacks: number;
  reviews: number;
  critical_share: number | null;
}

export interface ImpactReport {
  from_at: number;
  to_at: number;
  incidents: {
    detected: number;
    healed: number;
    escalated: number;
    open: number;
    /** Healed incidents whose patch no person reviewed: the measured part of "human time saved". */
    healed_unattended: number;
    false_positives: number;
    rollbacks: number;
  };
  patches: { generated: number; applied: number; verified: number; rolled_back: number };
  time_to_detect_seconds: Spread;
  time_to_heal_seconds: Spread;
  reviews: { decided: number; approved: number; rejected: number; time_to_decision_seconds: Spread };
  kernel_hours: number;
  critical_share: number | null;
  rests: {
    granted: number;
    refused: number | null;
    /** Refusals are counted from this instant (the server's start), not stored; null when not counted. */
    refusals_counted_from_at: number | null;
    coverage_gap_seconds: number;
  };
  /** Present only when report.minutesPerIncident is set: healed incidents no person reviewed × those minutes. */
  estimate: { minutes_saved: number; minutes_per_incident: number; incidents: number; note: string } | null;
  weeks: WeekFigures[];
  incident_list: Incident[];
}

const WEEK_MS = 7 * 86_400_000;
/** 1970-01-01 was a Thursday; weeks here start on Monday 00:00 UTC. */
const MONDAY_OFFSET_MS = 4 * 86_400_000;

interface KernelTimes {
  observed: number[];
  critical: number[];
}

/**
 * @example impactReport({ config, histories, patches, alerts, rests, coverage, rests_refused: 0, … }).incidents.healed // 12
 */
export function impactReport(input: ImpactInput): ImpactReport {
  const weekCount = Math.max(1, Math.ceil((input.until_ms - weekStart(input.since_ms)) / WEEK_MS));
  const times: KernelTimes = {
    observed: new Array(weekCount).fill(0),
    critical: new Array(weekCount).fill(0),
  };
  const incidents = [...replayIncidents(input, times), ...silenceIncidents(input)];
  const patches = input.patches.filter((p) => inSpan(input, p.created_at));
  for (const i of incidents) attachOutcome(i, patches, input.alerts, input.until_ms);
  incidents.sort((a, b) => a.detected_at - b.detected_at || a.kernel_id.localeCompare(b.kernel_id));

  const reviews = patches.flatMap((p) => review(p));
  const falsePositives = patches.filter((p) => p.false_positive);
  const rolledBack = patches.filter((p) => p.state === "rolled_back");
  const healed = incidents.filter((i) => i.healed_by !== null);
  const reviewed = new Set(reviews.map((r) => r.patch_id));
  const unattended = healed.filter((i) => !reviewed.has(i.healed_by as string)).length;
  const observed = sum(times.observed);
  const weeks: WeekFigures[] = [];
  for (let w = 0; w < weekCount; w++) {
    const start = weekStart(input.since_ms) + w * WEEK_MS;
    const inWeek = (at: number) => at >= start && at < start + WEEK_MS;
    weeks.push({
      week_starts_at: start,
      detected: incidents.filter((i) => inWeek(i.detected_at)).length,
      healed: incidents.filter((i) => i.healed_by !== null && inWeek(i.detected_at)).length,
      escalated: incidents.filter((i) => i.escalated && inWeek(i.detected_at)).length,
      false_positives: falsePositives.filter((p) => inWeek(p.created_at)).length,
      rollbacks: rolledBack.filter((p) => inWeek(p.created_at)).length,
      reviews: reviews.filter((r) => inWeek(r.decided_at)).length,
      critical_share:
        (times.observed[w] as number) > 0
          ? round((times.critical[w] as number) / (times.observed[w] as number))
          : null,
    });
  }
  return {
    from_at: input.since_ms,
    to_at: input.until_ms,
    incidents: {
      detected: incidents.length,
      healed: healed.length,
      escalated: incidents.filter((i) => i.escalated).length,
      open: incidents.filter((i) => i.ended_at === null).length,
      healed_unattended: unattended,
      false_positives: falsePositives.length,
      rollbacks: rolledBack.length,
    },
    patches: {
      generated: patches.length,
      applied: patches.filter((p) => p.transitions.some((t) => t.to === "applied")).length,
      verified: patches.filter((p) => p.state === "verified").length,
      rolled_back: rolledBack.length,
    },
    time_to_detect_seconds: spread(
      incidents.filter((i) => i.rules[0] !== "silence").map((i) => (i.detected_at - i.began_at) / 1000),
    ),
    time_to_heal_seconds: spread(healed.map((i) => ((i.healed_at as number) - i.detected_at) / 1000)),
    reviews: {
      decided: reviews.length,
      approved: reviews.filter((r) => r.approved).length,
      rejected: reviews.filter((r) => !r.approved).length,
      time_to_decision_seconds: spread(reviews.map((r) => r.seconds)),
    },
    kernel_hours: round(observed / 3_600_000),
    critical_share: observed > 0 ? round(sum(times.critical) / observed) : null,
    rests: {
      granted: input.rests.filter((r) => inSpan(input, r.started_at)).length,
      refused: input.rests_refused,
      refusals_counted_from_at: input.refused_since_ms,
      coverage_gap_seconds: round(coverageGapMs(input) / 1000),
    },
    estimate:
      input.minutes_per_incident === null
        ? null
        : {
            minutes_saved: round(unattended * input.minutes_per_incident),
            minutes_per_incident: input.minutes_per_incident,
            incidents: unattended,
            note: `estimate: ${unattended} incidents healed with no person reviewing them × report.minutesPerIncident (${input.minutes_per_incident} min), a configured guess, not a measurement`,
          },
    weeks,
    incident_list: incidents,
  };
}

/** Replays each kernel's snapshots; incidents from its status, kernel-time from the gaps between snapshots. */
function replayIncidents(input: ImpactInput, times: KernelTimes): Incident[] {
  const monitor = new HealthMonitor({ config: input.config, clock: new ManualClock(input.since_ms) });
  const firstWeek = weekStart(input.since_ms);
  const out: Incident[] = [];
  for (const h of input.histories) {
    if (h.baseline) monitor.setBaseline(h.kernel_id, h.baseline);
    let open: Incident | null = null;
    let onset: number | null = null;
    let lastAt: number | null = null;
    let lastCritical = false;
    for (const s of h.snapshots) {
      const o = monitor.ingest(s);
      const at = o.timestamp * 1000;
      if (lastAt !== null && at - lastAt <= input.max_gap_ms && lastAt >= input.since_ms) {
        const w = Math.min(times.observed.length - 1, Math.floor((lastAt - firstWeek) / WEEK_MS));
        times.observed[w] = (times.observed[w] as number) + (at - lastAt);
        if (lastCritical) times.critical[w] = (times.critical[w] as number) + (at - lastAt);
      }
      lastAt = at;
      lastCritical = o.status === "critical";
      const degraded = o.status === "warning" || o.status === "critical";
      if (open === null) {
        if (monitor.holdingRules(h.kernel_id) !== 0) onset ??= at;
        else if (!degraded) onset = null;
        if (degraded && o.previous_status === "healthy" && at >= input.since_ms) {
          open = {
            kernel_id: h.kernel_id,
            began_at: onset ?? at,
            detected_at: at,
            ended_at: null,
            rules: firingRules(monitor.firingRules(h.kernel_id)),
            healed_by: null,
            healed_at: null,
            escalated: false,
          };
          out.push(open);
        }
      } else if (o.status === "healthy") {
        open.ended_at = at;
        open = null;
        onset = null;
      }
    }
  }
  return out;
}

/**
 * Each silence of a kernel, as one incident: detected at its first `kernel_silent` alert and
 * ended at the kernel's first stored snapshot stamped after that alert, when it was heard
 * from again (open while none is stored). The alert repeats while a silence outlasts the
 * alerts' de-duplication window; a repeat before the silence ended is the same incident.
 * The stamps are the kernel's own clock, the only time a stored snapshot carries.
 */
function silenceIncidents(input: ImpactInput): Incident[] {
  const heard = new Map(input.histories.map((h) => [h.kernel_id, h.snapshots]));
  const alerts = input.alerts
    .filter((a) => a.kind === "kernel_silent" && a.kernel_id !== null && inSpan(input, a.created_at))
    .sort((a, b) => a.created_at - b.created_at);
  const latest = new Map<string, Incident>();
  const out: Incident[] = [];
  for (const a of alerts) {
    const kernelId = a.kernel_id as string;
    const current = latest.get(kernelId);
    if (current && (current.ended_at === null || a.created_at < current.ended_at)) continue;
    const next = (heard.get(kernelId) ?? []).find(
      (s) => s.timestamp !== null && s.timestamp * 1000 > a.created_at,
    );
    const incident: Incident = {
      kernel_id: kernelId,
      began_at: a.created_at,
      detected_at: a.created_at,
      ended_at: next ? (next.timestamp as number) * 1000 : null,
      rules: ["silence"],
      healed_by: null,
      healed_at: null,
      escalated: true,
    };
    latest.set(kernelId, incident);
    out.push(incident);
  }
  return out;
}

function attachOutcome(
  i: Incident,
  patches: readonly Patch[],
  alerts: readonly ReportAlert[],
  untilMs: number,
): void {
  const end = i.ended_at ?? untilMs;
  const during = (at: number) => at >= i.detected_at && at <= end;
  const cure = patches.find(
    (p) => p.kernel_id === i.kernel_id && p.state === "verified" && during(p.created_at),
  );
  if (cure) {
    i.healed_by = cure.patch_id;
    i.healed_at = cure.transitions.find((t) => t.to === "applied")?.at ?? cure.created_at;
  }
  if (!i.escalated)
    i.escalated = alerts.some(
      (a) => a.kernel_id === i.kernel_id && ESCALATING_ALERTS.includes(a.kind) && during(a.created_at),
    );
}

/** A person's decision on a patch waiting for review, and how long it waited. */
function review(p: Patch): { patch_id: string; approved: boolean; decided_at: number; seconds: number }[] {
  const waiting = p.transitions.find((t) => t.to === "pending_review");
  if (!waiting) return [];
  const decision = p.transitions.find(
    (t) => t.from === "pending_review" && t.actor.startsWith("user:") && t.at >= waiting.at,
  );
  if (!decision) return [];
  return [
    {
      patch_id: p.patch_id,
      approved: decision.to !== "rejected",
      decided_at: decision.at,
      seconds: (decision.at - waiting.at) / 1000,
    },
  ];
}

/** Time non-forced rests outside cycles, of the modes that need a partner, went uncovered. */
function coverageGapMs(input: ImpactInput): number {
  let gap = 0;
  for (const r of input.rests) {
    if (r.forced || r.cycle !== null || !(r.rest_type === "resting" || r.rest_type === "micro_pause"))
      continue;
    const from = Math.max(r.started_at, input.since_ms);
    const to = Math.min(r.ended_at ?? input.until_ms, input.until_ms);
    if (to <= from) continue;
    const covered = input.coverage
      .filter((c) => c.covering_for === r.kernel_id)
      .map((c) => [Math.max(c.started_at, from), Math.min(c.ended_at ?? input.until_ms, to)] as const)
      .filter(([a, b]) => b > a)
      .sort((a, b) => a[0] - b[0]);
    let cursor = from;
    for (const [a, b] of covered) {
      if (a > cursor) gap += a - cursor;
      cursor = Math.max(cursor, b);
    }
    if (to > cursor) gap += to - cursor;
  }
  return gap;
}

function firingRules(mask: number): RuleId[] {
  return RULES.filter((_, r) => (mask & (1 << r)) !== 0).map((r) => r.id);
}

/**
 * Median and 95th percentile (nearest rank).
 * @example spread([1, 2, 3, 4]) // { count: 4, median: 2.5, p95: 4 }
 */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { count: 0, median: null, p95: null };
  const sorted = [...values].sort((a, b) => a - b);
  const p95 = sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] as number;
  return { count: values.length, median: round(median(sorted) as number), p95: round(p95) };
}

/** Monday 00:00 UTC of the week holding `ms`. */
export function weekStart(ms: number): number {
  return Math.floor((ms - MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS + MONDAY_OFFSET_MS;
}

function inSpan(input: ImpactInput, at: number): boolean {
  return at >= input.since_ms && at <= input.until_ms;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
