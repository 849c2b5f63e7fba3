/**
 * What the simulator measures of rest (SPEC §3, §8): rests granted and refused (and why),
 * micro-pauses, cycle rests, each god's uptime, peak fatigue, rest quality, and the three
 * times that must stay zero — coverage gap, essential full stop and coordinated-pair
 * overlap. Counts, uptime and quality come from the rest events (exact); the three
 * zero-times are sampled once per step from the statuses.
 *
 * A rest that is part of a constellation cycle needs no coverer: Heart and Ocean both voted
 * for it, which is the acknowledgement SPEC asks of a forced rest. So, like a forced rest,
 * it is no coverage gap, and a coordinated pair resting together in a cycle is no overlap.
 */
import type { RefusalCode, RestEvent } from "../core/rest/events.js";
import type { KernelStatus } from "../core/rest/status.js";

/** Modes in which a kernel does no work: uptime excludes them, REDUCED still serves. */
const DOWN_MODES = new Set(["resting", "micro_pause"]);

const REFUSAL_CODES: readonly RefusalCode[] = [
  "already_resting",
  "no_coverage",
  "duty_cycle",
  "partner_resting",
  "covering_no_handoff",
];

/** Means over finished rests, from their rest_ended events. */
export interface RestQualityFigures {
  rests: number;
  mean_duration_seconds: number;
  mean_fatigue_at_rest: number;
  mean_fatigue_after: number;
  /** Fatigue removed per minute of rest, averaged over rests. */
  mean_recovery_per_minute: number;
  /** Fatigue removed as a fraction of the fatigue at rest, averaged over rests. */
  mean_recovery_fraction: number;
}

export interface RestFigures {
  /** Rests started on a kernel's request (cycle rests are counted apart). */
  rests_granted: number;
  rests_refused: number;
  /** Refusals for want of a partner who can cover ("no_coverage"). */
  coverage_refusals: number;
  refusals_by_reason: Record<RefusalCode, number>;
  micro_pauses: number;
  /** Rests granted ahead of the threshold from the fatigue trend (trigger "predicted"). */
  predicted_rests: number;
  /** Rests a constellation cycle put kernels into. */
  cycle_rests: number;
  /** Times a kernel's rest threshold moved (adaptive thresholds). */
  threshold_adaptations: number;
  coverage_gap_seconds: number;
  essential_full_stop_seconds: number;
  coordinated_pair_overlap_seconds: number;
  /** God name → fraction of the run it was up (not resting, not micro-pausing). */
  duty_cycle: Record<string, number>;
  /** Highest fatigue any kernel reported, and the mean over kernels of each one's highest. */
  peak_fatigue: { max: number; mean_of_kernel_peaks: number };
  /** Every finished rest, and the same by rest mode. */
  rest_quality: RestQualityFigures & { by_mode: Record<string, RestQualityFigures> };
}

class QualitySums {
  rests = 0;
  duration = 0;
  before = 0;
  after = 0;
  perMinute = 0;
  fraction = 0;

  add(e: Extract<RestEvent, { type: "rest_ended" }>): void {
    this.rests += 1;
    this.duration += e.duration_seconds;
    this.before += e.fatigue_at_rest;
    this.after += e.fatigue_after;
    this.perMinute += e.recovery_per_minute;
    this.fraction += e.recovery_fraction;
  }

  figures(): RestQualityFigures {
    const mean = (sum: number) => (this.rests > 0 ? round(sum / this.rests, 4) : 0);
    return {
      rests: this.rests,
      mean_duration_seconds: mean(this.duration),
      mean_fatigue_at_rest: mean(this.before),
      mean_fatigue_after: mean(this.after),
      mean_recovery_per_minute: mean(this.perMinute),
      mean_recovery_fraction: mean(this.fraction),
    };
  }
}

export class RestAccounting {
  private granted = 0;
  private microPauses = 0;
  private predicted = 0;
  private cycleRests = 0;
  private adaptations = 0;
  private readonly refusals = new Map<RefusalCode, number>();
  private gapSeconds = 0;
  private fullStopSeconds = 0;
  private overlapSeconds = 0;
  private readonly downSince = new Map<string, number>();
  private readonly downSeconds = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private readonly quality = new QualitySums();
  private readonly qualityByMode = new Map<string, QualitySums>();

  /** @param pairs coordinated_alternating pairs as [kernel_id, kernel_id], each once. */
  constructor(
    private readonly startMs: number,
    private readonly pairs: readonly (readonly [string, string])[],
  ) {}

  onEvent(event: RestEvent): void {
    if (event.type === "rest_refused") {
      this.refusals.set(event.reason_code, (this.refusals.get(event.reason_code) ?? 0) + 1);
    } else if (event.type === "rest_started") {
      if (event.cycle !== null) this.cycleRests += 1;
      else this.granted += 1;
      if (event.rest_type === "micro_pause") this.microPauses += 1;
      if (event.reason_code === "predicted") this.predicted += 1;
      if (DOWN_MODES.has(event.rest_type)) this.downSince.set(event.kernel_id, event.at);
    } else if (event.type === "rest_ended") {
      const since = this.downSince.get(event.kernel_id);
      if (since !== undefined) {
        this.addDown(event.kernel_id, (event.at - since) / 1000);
        this.downSince.delete(event.kernel_id);
      }
      this.quality.add(event);
      let byMode = this.qualityByMode.get(event.rest_type);
      if (!byMode) {
        byMode = new QualitySums();
        this.qualityByMode.set(event.rest_type, byMode);
      }
      byMode.add(event);
    } else if (event.type === "threshold_adapted") {
      this.adaptations += 1;
    }
  }

  /** A kernel's fatigue score as the scheduler answered its report. */
  fatigue(kernelId: string, score: number): void {
    if (score > (this.peaks.get(kernelId) ?? -1)) this.peaks.set(kernelId, score);
  }

  /** Samples the statuses after a step of `dtSeconds`. */
  sample(statuses: ReadonlyMap<string, KernelStatus>, dtSeconds: number): void {
    for (const s of statuses.values()) {
      if (s.tier === "essential" && s.status === "resting") this.fullStopSeconds += dtSeconds;
      if (!DOWN_MODES.has(s.status) || s.cycle !== null) continue;
      if (!coveredNow(s, statuses)) this.gapSeconds += dtSeconds;
    }
    for (const [a, b] of this.pairs) {
      const sa = statuses.get(a);
      const sb = statuses.get(b);
      if (sa?.status !== "resting" || sb?.status !== "resting") continue;
      if (sa.cycle !== null && sb.cycle !== null) continue;
      this.overlapSeconds += dtSeconds;
    }
  }

  /** The figures at `nowMs`; rests still running count up to now. */
  figures(nowMs: number, gods: ReadonlyMap<string, string>): RestFigures {
    const totalSeconds = (nowMs - this.startMs) / 1000;
    const duty: Record<string, number> = {};
    for (const [kernelId, god] of gods) {
      const since = this.downSince.get(kernelId);
      const down = (this.downSeconds.get(kernelId) ?? 0) + (since === undefined ? 0 : (nowMs - since) / 1000);
      duty[god] = totalSeconds > 0 ? round(1 - down / totalSeconds, 4) : 1;
    }
    const refusals = Object.fromEntries(REFUSAL_CODES.map((c) => [c, this.refusals.get(c) ?? 0])) as Record<
      RefusalCode,
      number
    >;
    const peaks = [...this.peaks.values()];
    const byMode: Record<string, RestQualityFigures> = {};
    for (const mode of [...this.qualityByMode.keys()].sort())
      byMode[mode] = (this.qualityByMode.get(mode) as QualitySums).figures();
    return {
      rests_granted: this.granted,
      rests_refused: REFUSAL_CODES.reduce((sum, c) => sum + refusals[c], 0),
      coverage_refusals: refusals.no_coverage,
      refusals_by_reason: refusals,
      micro_pauses: this.microPauses,
      predicted_rests: this.predicted,
      cycle_rests: this.cycleRests,
      threshold_adaptations: this.adaptations,
      coverage_gap_seconds: this.gapSeconds,
      essential_full_stop_seconds: this.fullStopSeconds,
      coordinated_pair_overlap_seconds: this.overlapSeconds,
      duty_cycle: duty,
      peak_fatigue: {
        max: peaks.length > 0 ? round(Math.max(...peaks), 4) : 0,
        mean_of_kernel_peaks:
          peaks.length > 0 ? round(peaks.reduce((a, b) => a + b, 0) / peaks.length, 4) : 0,
      },
      rest_quality: { ...this.quality.figures(), by_mode: byMode },
    };
  }

  private addDown(kernelId: string, seconds: number): void {
    this.downSeconds.set(kernelId, (this.downSeconds.get(kernelId) ?? 0) + seconds);
  }
}

/** Whether every coverer of a down kernel (one, or two sharing) is active and covering it. */
function coveredNow(s: KernelStatus, statuses: ReadonlyMap<string, KernelStatus>): boolean {
  if (s.covered_by === null) return false;
  for (const id of [s.covered_by, s.covered_also_by]) {
    if (id === null) continue;
    const coverer = statuses.get(id);
    if (coverer?.status !== "active" || coverer.covering_for !== s.kernel_id) return false;
  }
  return true;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
