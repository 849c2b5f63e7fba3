import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CallStats } from "./call-stats.js";

/** Realistic durations (up to a day) mixed with the readings a broken clock gives. */
const duration = fc.oneof(
  fc.double({ min: -1e3, max: 86_400_000, noNaN: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);

describe("CallStats", () => {
  it("reports no calls as a zero error rate and zero latency, not NaN", () => {
    expect(new CallStats().summary()).toEqual({ calls: 0, errors: 0, error_rate: 0, avg_latency_ms: 0 });
  });

  it("counts calls and failures and averages their durations", () => {
    const stats = new CallStats();
    stats.record(100, false);
    stats.record(300, true);
    stats.record(200, false);
    stats.record(400, true);
    expect(stats.calls).toBe(4);
    expect(stats.errors).toBe(2);
    expect(stats.summary()).toEqual({ calls: 4, errors: 2, error_rate: 0.5, avg_latency_ms: 250 });
  });

  it("leaves the calls in place when summarised, so a status page does not steal them from a snapshot", () => {
    const stats = new CallStats();
    stats.record(10, true);
    stats.summary();
    expect(stats.summary()).toEqual({ calls: 1, errors: 1, error_rate: 1, avg_latency_ms: 10 });
  });

  it("hands over the calls on drain and then counts only the calls made after it", () => {
    const stats = new CallStats();
    stats.record(10, true);
    stats.record(30, false);
    expect(stats.drain()).toEqual({ calls: 2, errors: 1, error_rate: 0.5, avg_latency_ms: 20 });
    expect(stats.calls).toBe(0);
    expect(stats.drain()).toEqual({ calls: 0, errors: 0, error_rate: 0, avg_latency_ms: 0 });
    stats.record(7, false);
    expect(stats.drain()).toEqual({ calls: 1, errors: 0, error_rate: 0, avg_latency_ms: 7 });
  });

  it("counts a call with a broken duration but keeps its latency out of the average", () => {
    const stats = new CallStats();
    stats.record(Number.NaN, false);
    stats.record(-5, false);
    stats.record(Number.POSITIVE_INFINITY, true);
    stats.record(30, false);
    expect(stats.summary()).toEqual({ calls: 4, errors: 1, error_rate: 0.25, avg_latency_ms: 7.5 });
  });

  it("always reports an error rate within [0, 1] and a finite, non-negative latency", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(duration, fc.boolean()), { maxLength: 200 }), (records) => {
        const stats = new CallStats();
        for (const [duration, failed] of records) stats.record(duration, failed);
        const summary = stats.drain();
        expect(summary.calls).toBe(records.length);
        expect(summary.errors).toBe(records.filter(([, failed]) => failed).length);
        expect(summary.error_rate).toBeGreaterThanOrEqual(0);
        expect(summary.error_rate).toBeLessThanOrEqual(1);
        expect(Number.isFinite(summary.avg_latency_ms)).toBe(true);
        expect(summary.avg_latency_ms).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
