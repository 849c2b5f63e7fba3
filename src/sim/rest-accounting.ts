/**
 * What the simulator measures of rest (SPEC §3, §8): rests granted and refused, micro-
 * pauses, each god's uptime, and the three times that must stay zero — coverage gap,
 * essential full stop and coordinated-pair overlap. Counts and uptime come from the rest
 * events (exact); the three zero-times are sampled once per step from the statuses.
 */
import type { RestEvent } from "../core/rest/events.js";
import type { KernelStatus } from "../core/rest/status.js";

/** Modes in which a kernel does no work: uptime excludes them, REDUCED still serves. */
const DOWN_MODES = new Set(["resting", "micro_pause"]);

export interface RestFigures {
  rests_granted: number;
  rests_refused: number;
  micro_pauses: number;
  coverage_gap_seconds: number;
  essential_full_stop_seconds: number;
  coordinated_pair_overlap_seconds: number;
  /** God name → fraction of the run it was up (not resting, not micro-pausing). */
  duty_cycle: Record<string, number>;
}

export class RestAccounting {
  private granted = 0;
  private refused = 0;
  private microPauses = 0;
  private gapSeconds = 0;
  private fullStopSeconds = 0;
  private overlapSeconds = 0;
  private readonly downSince = new Map<string, number>();
  private readonly downSeconds = new Map<string, number>();

  /** @param pairs coordinated_alternating pairs as [kernel_id, kernel_id], each once. */
  constructor(
    private readonly startMs: number,
    private readonly pairs: readonly (readonly [string, string])[],
  ) {}

  onEvent(event: RestEvent): void {
    if (event.type === "rest_refused") this.refused += 1;
    else if (event.type === "rest_started") {
      this.granted += 1;
      if (event.rest_type === "micro_pause") this.microPauses += 1;
      if (DOWN_MODES.has(event.rest_type)) this.downSince.set(event.kernel_id, event.at);
    } else if (event.type === "rest_ended") {
      const since = this.downSince.get(event.kernel_id);
      if (since !== undefined) {
        this.addDown(event.kernel_id, (event.at - since) / 1000);
        this.downSince.delete(event.kernel_id);
      }
    }
  }

  /** Samples the statuses after a step of `dtSeconds`. */
  sample(statuses: ReadonlyMap<string, KernelStatus>, dtSeconds: number): void {
    for (const s of statuses.values()) {
      if (s.tier === "essential" && s.status === "resting") this.fullStopSeconds += dtSeconds;
      if (!DOWN_MODES.has(s.status)) continue;
      const coverer = s.covered_by ? statuses.get(s.covered_by) : undefined;
      if (coverer?.status !== "active" || coverer.covering_for !== s.kernel_id) this.gapSeconds += dtSeconds;
    }
    for (const [a, b] of this.pairs) {
      if (statuses.get(a)?.status === "resting" && statuses.get(b)?.status === "resting")
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
    return {
      rests_granted: this.granted,
      rests_refused: this.refused,
      micro_pauses: this.microPauses,
      coverage_gap_seconds: this.gapSeconds,
      essential_full_stop_seconds: this.fullStopSeconds,
      coordinated_pair_overlap_seconds: this.overlapSeconds,
      duty_cycle: duty,
    };
  }

  private addDown(kernelId: string, seconds: number): void {
    this.downSeconds.set(kernelId, (this.downSeconds.get(kernelId) ?? 0) + seconds);
  }
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
