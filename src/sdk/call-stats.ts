/**
 * A running tally of a kernel's own calls (model requests, chain steps, HTTP requests)
 * that the SDK turns into a snapshot's `error_rate` and `avg_latency_ms` (SPEC §4).
 * It keeps three numbers rather than a list of samples: a kernel may make thousands of
 * calls between two snapshots, and recording one must cost nothing but an addition.
 */

/**
 * The calls since the last drain, in the snapshot's wire form.
 * @example { calls: 40, errors: 2, error_rate: 0.05, avg_latency_ms: 812.5 }
 */
export interface CallSummary {
  calls: number;
  errors: number;
  /** errors / calls, 0 when there were no calls. */
  error_rate: number;
  /** Mean duration in milliseconds, 0 when there were no calls. */
  avg_latency_ms: number;
}

/**
 * Counts calls, failures and total duration; `drain` hands them over and starts afresh.
 * @example
 * const stats = new CallStats();
 * stats.record(120, false);
 * stats.record(80, true);
 * stats.drain(); // { calls: 2, errors: 1, error_rate: 0.5, avg_latency_ms: 100 }
 */
export class CallStats {
  private callCount = 0;
  private errorCount = 0;
  private totalDurationMs = 0;

  /** Calls recorded since the last drain. */
  get calls(): number {
    return this.callCount;
  }

  /** Failed calls recorded since the last drain. */
  get errors(): number {
    return this.errorCount;
  }

  /**
   * Records one call. A duration that is negative or not finite (a clock stepped back,
   * a broken timer) still counts the call but adds no time, so one bad reading cannot
   * turn the average into NaN or a negative latency.
   * @example stats.record(performance.now() - start, false)
   */
  record(durationMs: number, failed: boolean): void {
    this.callCount += 1;
    if (failed) this.errorCount += 1;
    if (durationMs > 0 && durationMs < Number.POSITIVE_INFINITY) this.totalDurationMs += durationMs;
  }

  /**
   * The calls since the last drain, leaving them in place (for a status page).
   * @example stats.summary().error_rate // 0.05
   */
  summary(): CallSummary {
    const calls = this.callCount;
    return {
      calls,
      errors: this.errorCount,
      error_rate: calls === 0 ? 0 : this.errorCount / calls,
      avg_latency_ms: calls === 0 ? 0 : this.totalDurationMs / calls,
    };
  }

  /**
   * The calls since the last drain, then forgets them: each snapshot reports only the
   * calls made since the one before.
   * @example snapshot.error_rate = stats.drain().error_rate
   */
  drain(): CallSummary {
    const summary = this.summary();
    this.callCount = 0;
    this.errorCount = 0;
    this.totalDurationMs = 0;
    return summary;
  }
}
