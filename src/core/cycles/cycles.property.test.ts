import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { constellationMetrics, type KernelWindow } from "./constellation-metrics.js";
import { type ActiveCycle, decideCycle } from "./cycle-decider.js";
import { CYCLE_TYPES, type CycleType } from "./cycle-types.js";
import { type CastVote, latestCastVote, type TelemetryVotes, telemetryVotes } from "./votes.js";

const CFG = { ...DEFAULT_CONFIG.cycles, windowSnapshots: 4 };

/** Simplex points of one dimension, some with exact zeros and one-hot extremes. */
const basin = (n: number) =>
  fc
    .array(fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(0)), {
      minLength: n,
      maxLength: n,
    })
    .filter((xs) => xs.some((x) => x > 0))
    .map((xs) => {
      const sum = xs.reduce((a, b) => a + b, 0);
      return Float64Array.from(xs, (x) => x / sum);
    });

const series = (value: fc.Arbitrary<number>) => fc.array(value, { minLength: 0, maxLength: 8 });

const windows: fc.Arbitrary<KernelWindow[]> = fc.integer({ min: 2, max: 8 }).chain((n) =>
  fc.array(
    fc.record({
      kernel_id: fc.string({ minLength: 1, maxLength: 8 }),
      basin: fc.option(basin(n)),
      baseline: fc.option(basin(n)),
      phi: series(fc.double({ min: 0, max: 1, noNaN: true })),
      kappa: series(fc.double({ min: -1e6, max: 1e6, noNaN: true })),
      fatigue: series(fc.double({ min: 0, max: 1, noNaN: true })),
    }),
    { maxLength: 12 },
  ),
);

describe("constellation metrics (properties)", () => {
  it("keep coherence and spread in [0, 1], with coherence = 1 − spread whenever defined", () => {
    fc.assert(
      fc.property(windows, (kernels) => {
        const m = constellationMetrics(kernels, CFG);
        expect(m.coherence === null).toBe(m.spread === null);
        if (m.spread === null || m.coherence === null) return;
        expect(m.spread).toBeGreaterThanOrEqual(0);
        expect(m.spread).toBeLessThanOrEqual(1);
        expect(m.coherence).toBeGreaterThanOrEqual(0);
        expect(m.coherence).toBeLessThanOrEqual(1);
        expect(m.coherence).toBe(1 - m.spread);
      }),
    );
  });

  it("keep rigidity and the stuck fraction in [0, 1], and drift within [0, π]", () => {
    fc.assert(
      fc.property(windows, (kernels) => {
        const m = constellationMetrics(kernels, CFG);
        for (const v of [m.rigidity, m.stuck_fraction]) {
          if (v === null) continue;
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        if (m.mean_drift !== null) {
          expect(m.mean_drift).toBeGreaterThanOrEqual(0);
          expect(m.mean_drift).toBeLessThanOrEqual(Math.PI + 1e-12);
        }
      }),
    );
  });

  it("vote yes from telemetry exactly when every criterion of the cycle type holds on measured data", () => {
    const below = (v: number | null, limit: number) => v !== null && v < limit;
    const above = (v: number | null, limit: number) => v !== null && v > limit;
    fc.assert(
      fc.property(windows, (kernels) => {
        const m = constellationMetrics(kernels, CFG);
        const v = telemetryVotes(m, CFG);
        expect(v.heart.sleep.vote).toBe(
          below(m.coherence, 0.5) && above(m.average_fatigue, 0.8) && above(m.mean_drift, 3),
        );
        expect(v.heart.dream.vote).toBe(above(m.stuck_fraction, 0.5) && above(m.rigidity, 0.7));
        expect(v.heart.mushroom.vote).toBe(above(m.rigidity, 0.9) && below(m.spread, 0.5));
        for (const t of CYCLE_TYPES) expect(v.ocean[t].vote).toBe(v.heart[t].vote);
      }),
    );
  });
});

const cycleType = fc.constantFrom<CycleType>(...CYCLE_TYPES);
const votesByType = fc.record({ sleep: fc.boolean(), dream: fc.boolean(), mushroom: fc.boolean() });
const telemetry: fc.Arbitrary<TelemetryVotes> = fc
  .record({ heart: votesByType, ocean: votesByType })
  .map((v) => {
    const side = (yes: Record<CycleType, boolean>) => ({
      sleep: { vote: yes.sleep, reasoning: "t" },
      dream: { vote: yes.dream, reasoning: "t" },
      mushroom: { vote: yes.mushroom, reasoning: "t" },
    });
    return { heart: side(v.heart), ocean: side(v.ocean) };
  });
const NOW = 5_000_000;
const time = fc.integer({ min: 0, max: NOW });
const castVote: fc.Arbitrary<CastVote> = fc.record({
  voter: fc.constantFrom("Heart" as const, "Ocean" as const),
  cycle_type: cycleType,
  vote: fc.boolean(),
  reasoning: fc.constant("cast"),
  at: time,
});
const active: fc.Arbitrary<ActiveCycle | null> = fc.option(
  fc.record({ cycle_type: cycleType, started_at: time }),
);

describe("cycle decisions (properties)", () => {
  it("never start a cycle unless both effective votes are yes, its cooldown has passed and none is active", () => {
    fc.assert(
      fc.property(
        windows,
        telemetry,
        fc.array(castVote, { maxLength: 6 }),
        fc.record({ sleep: fc.option(time), dream: fc.option(time), mushroom: fc.option(time) }),
        active,
        (kernels, votes, cast, lastCycleEnd, current) => {
          const metrics = constellationMetrics(kernels, CFG);
          const input = {
            metrics,
            telemetryVotes: votes,
            castVotes: cast,
            now: NOW,
            lastCycleEnd,
            active: current,
          };
          const d = decideCycle(input, CFG);
          expect(d.checks.filter((c) => c.outcome === "started").length).toBe(d.started ? 1 : 0);
          if (!d.started || d.cycle_type === null) return;
          const type = d.cycle_type;
          expect(d.votes.heart.vote && d.votes.ocean.vote).toBe(true);
          // Independently of the decider: each voter's live cast vote, else its telemetry vote.
          for (const [voter, key] of [
            ["Heart", "heart"],
            ["Ocean", "ocean"],
          ] as const) {
            const c = latestCastVote(cast, voter, type, NOW, CFG);
            expect(c ? c.vote : votes[key][type].vote).toBe(true);
          }
          expect(current).toBeNull();
          const last = lastCycleEnd[type];
          if (last !== null) expect(NOW - last).toBeGreaterThanOrEqual(CFG.cooldownSeconds[type] * 1000);
        },
      ),
      // About one run in eight starts a cycle; 400 runs make the started branch well exercised.
      { numRuns: 400 },
    );
  });
});
