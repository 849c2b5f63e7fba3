/**
 * SPEC §5's five properties of the fitness formula, (a) to (e), each over random kernels
 * (every dimension anywhere, the target past its threshold) and random actions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import {
  computeFitness,
  FITNESS_DIMENSIONS,
  type FitnessContext,
  type FitnessDimension,
  type FitnessMetrics,
  fitnessThresholds,
} from "./fitness.js";
import { phiBand } from "./healing-config.js";
import { STRATEGIES, STRATEGY_TARGET } from "./strategies.js";

const CONTEXT: FitnessContext = {
  formula: "targeted",
  thresholds: fitnessThresholds(DEFAULT_CONFIG.health, phiBand(DEFAULT_CONFIG.health)),
};
const T = CONTEXT.thresholds;
const BAND = T.phi_band;
const CENTER = (BAND.min + BAND.max) / 2;

const real = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** A value inside the dimension's healthy threshold. */
function healthy(d: FitnessDimension): fc.Arbitrary<number> {
  if (d === "phi") return real(BAND.min, BAND.max);
  if (d === "memory_mb_slope") return real(-T.memory_mb_slope, T.memory_mb_slope);
  return real(0, T[d]);
}

/** A value past the threshold by at least 1 % of it (a kernel the strategy would fire on). */
function sick(d: FitnessDimension): fc.Arbitrary<number> {
  if (d === "phi") return fc.oneof(real(0, BAND.min - 0.01), real(BAND.max + 0.01, 1));
  return real(T[d] * 1.01, T[d] * 5);
}

const anyValue = (d: FitnessDimension) => fc.oneof(healthy(d), sick(d));

/** A kernel: the target past its threshold, every other dimension drawn from `other`. */
function kernel(target: FitnessDimension, other: (d: FitnessDimension) => fc.Arbitrary<number>) {
  const fields = Object.fromEntries(
    FITNESS_DIMENSIONS.map((d) => [d, d === target ? sick(target) : other(d)]),
  ) as Record<FitnessDimension, fc.Arbitrary<number>>;
  return fc.record(fields) as fc.Arbitrary<FitnessMetrics>;
}

const targetArb = fc.constantFrom(...STRATEGIES.map((s) => STRATEGY_TARGET[s]));

/** A kernel and its target, with every other dimension anywhere. */
const sickKernel = targetArb.chain((target) =>
  kernel(target, anyValue).map((before) => ({ target, before })),
);

/** `t` of the way from v toward healthy (Φ: the band's middle; the rest: zero), never away. */
function improve(d: FitnessDimension, v: number, t: number): number {
  if (d === "phi") return v + t * (CENTER - v);
  return v > 0 ? v * (1 - t) : v;
}

/** The target left with `share` (0 … 1) of its excess over the threshold. */
function treat(d: FitnessDimension, v: number, share: number): number {
  if (d === "phi")
    return v < BAND.min ? BAND.min - share * (BAND.min - v) : BAND.max + share * (v - BAND.max);
  return T[d] + share * (v - T[d]);
}

/** Every other dimension unchanged or better, each by its own random amount. */
const sparingAction = (target: FitnessDimension, before: FitnessMetrics) =>
  fc
    .array(real(0, 1), { minLength: FITNESS_DIMENSIONS.length, maxLength: FITNESS_DIMENSIONS.length })
    .map(
      (ts) =>
        Object.fromEntries(
          FITNESS_DIMENSIONS.map((d, i) => [
            d,
            d === target ? before[d] : improve(d, before[d] as number, ts[i] as number),
          ]),
        ) as FitnessMetrics,
    );

const score = (
  target: FitnessDimension,
  before: FitnessMetrics,
  after: Partial<FitnessMetrics> | null,
  accepted = true,
) => computeFitness({ target, before, after, accepted }, CONTEXT).fitness;

describe("the targeted fitness formula (SPEC §5)", () => {
  it("(a) scores an action that changes nothing below 0.5, however the kernel is", () => {
    fc.assert(
      fc.property(sickKernel, ({ target, before }) => {
        expect(score(target, before, { ...before })).toBeLessThan(0.5);
        // A prediction that names no metric at all changes nothing either.
        expect(score(target, before, {})).toBeLessThan(0.5);
      }),
    );
  });

  it("(b) scores a cure that worsens nothing else ≥ 0.9, and one halfway back ≥ 0.7", () => {
    fc.assert(
      fc.property(
        sickKernel.chain(({ target, before }) =>
          fc.record({
            target: fc.constant(target),
            before: fc.constant(before),
            others: sparingAction(target, before),
            cured: healthy(target),
            share: real(0, 0.5),
          }),
        ),
        ({ target, before, others, cured, share }) => {
          expect(score(target, before, { ...others, [target]: cured })).toBeGreaterThanOrEqual(0.9);
          const halfway = treat(target, before[target] as number, share);
          expect(score(target, before, { ...others, [target]: halfway })).toBeGreaterThanOrEqual(0.7);
        },
      ),
    );
  });

  it("(c) scores below 0.5 an action that pushes another dimension past its warning threshold", () => {
    const arb = targetArb.chain((target) => {
      const others = FITNESS_DIMENSIONS.filter((d) => d !== target);
      return fc.constantFrom(...others).chain((harmed) =>
        fc.record({
          target: fc.constant(target),
          harmed: fc.constant(harmed),
          before: kernel(target, (d) => (d === harmed ? healthy(d) : anyValue(d))),
          pushedTo: sick(harmed),
          cured: healthy(target),
        }),
      );
    });
    fc.assert(
      fc.property(arb, ({ target, harmed, before, pushedTo, cured }) => {
        // However well it treats the target: here it cures it outright.
        expect(score(target, before, { ...before, [target]: cured, [harmed]: pushedTo })).toBeLessThan(0.5);
      }),
    );
  });

  it("(d) scores 0 an action the kernel could not run", () => {
    fc.assert(
      fc.property(sickKernel, healthy("phi"), ({ target, before }, phi) => {
        expect(score(target, before, null, false)).toBe(0);
        expect(score(target, before, { ...before, phi }, false)).toBe(0);
      }),
    );
  });

  it("(e) lets every strategy's cure reach 0.7 on a kernel with no other symptom, by one formula", () => {
    const arb = fc.record({
      strategy: fc.constantFrom(...STRATEGIES),
      other: fc.constantFrom(...STRATEGIES),
      share: real(0, 0.5),
    });
    fc.assert(
      fc.property(
        arb.chain((x) =>
          fc.record({
            x: fc.constant(x),
            a: kernel(STRATEGY_TARGET[x.strategy], healthy),
            b: kernel(STRATEGY_TARGET[x.other], healthy),
          }),
        ),
        ({ x, a, b }) => {
          const ta = STRATEGY_TARGET[x.strategy];
          const tb = STRATEGY_TARGET[x.other];
          const fa = score(ta, a, { ...a, [ta]: treat(ta, a[ta] as number, x.share) });
          const fb = score(tb, b, { ...b, [tb]: treat(tb, b[tb] as number, x.share) });
          expect(fa).toBeGreaterThanOrEqual(0.7);
          // No term belongs to a strategy: the same progress scores the same whatever the target.
          expect(fa).toBeCloseTo(fb, 9);
        },
      ),
    );
  });

  it("(e) a cache that only fixes latency and a recycle that only stops a leak both score 1", () => {
    const quiet: FitnessMetrics = {
      phi: 0.75,
      basin_drift: 0.2,
      error_rate: 0.005,
      avg_latency_ms: 200,
      memory_mb: 300,
      memory_mb_slope: 0.1,
    };
    const slow = { ...quiet, avg_latency_ms: 3500 };
    const leaking = { ...quiet, memory_mb: 700, memory_mb_slope: 33 };
    expect(score("avg_latency_ms", slow, { ...slow, avg_latency_ms: 190 })).toBe(1);
    expect(score("memory_mb_slope", leaking, { ...leaking, memory_mb: 300, memory_mb_slope: 0 })).toBe(1);
  });

  it("never falls when the target comes further back or another dimension is spared more", () => {
    fc.assert(
      fc.property(sickKernel, real(0, 1), real(0, 1), real(0, 1), ({ target, before }, s1, s2, t) => {
        const worse = treat(target, before[target] as number, Math.max(s1, s2));
        const better = treat(target, before[target] as number, Math.min(s1, s2));
        expect(score(target, before, { ...before, [target]: better })).toBeGreaterThanOrEqual(
          score(target, before, { ...before, [target]: worse }),
        );
        const other = FITNESS_DIMENSIONS.find((d) => d !== target) as FitnessDimension;
        const spared = { ...before, [other]: improve(other, before[other] as number, t) };
        expect(score(target, before, spared)).toBeGreaterThanOrEqual(score(target, before, before));
      }),
    );
  });
});
