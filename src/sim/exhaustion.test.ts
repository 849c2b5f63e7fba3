import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../core/config.js";
import { fisherRaoDistance, normalizeSimplex } from "../core/geometry.js";
import { computeFatigue } from "../core/rest/fatigue.js";
import { farCorner } from "./exhaustion.js";
import { DEFAULT_SIM_MODEL, SimKernel, type SimModelConstants, type SimRestMode } from "./kernel-model.js";
import { SeededRandom } from "./random.js";

const M = DEFAULT_SIM_MODEL;
const REST = DEFAULT_CONFIG.rest;
const STEP = 10;

/** A kernel that joins spent, at a surge's load, with `exhaustion` already run up. */
function surging(exhaustion: number, seed = 1, model: Partial<SimModelConstants> = {}) {
  const k = new SimKernel(
    {
      kernelId: "zeus_1",
      name: "Zeus",
      policyType: "coordinated_alternating",
      load: { kind: "steady", base: 0.98 },
      basinDimension: 64,
      initialEnergy: 0,
      initialExhaustion: exhaustion,
    },
    new SeededRandom(seed).fork("zeus_1"),
    model,
  );
  let now = 0;
  let previousPhi: number | null = null;
  return {
    k,
    /** Steps one minute in `mode`, then reports: returns the SPEC §3 fatigue of that report. */
    minute(mode: SimRestMode = "active"): number {
      for (let s = 0; s < 60; s += STEP) {
        now += STEP * 1000;
        k.step(now, STEP, mode, 0);
      }
      const f = k.fatigueSample();
      const trend = previousPhi === null ? 0 : f.phi - previousPhi;
      previousPhi = f.phi;
      // An hour since its last rest: the time factor is full, as in a constellation that has worked on.
      return computeFatigue(REST, f.phi, trend, f.kappa, f.load, 3600, f.error_rate);
    },
    drift: () => fisherRaoDistance(k.trueSnapshot(now).basin_coords, k.baseline),
    truth: () => k.trueSnapshot(now),
  };
}

describe("exhaustion (working on while spent)", () => {
  it("collapses an overdriven spent kernel within 15 minutes: Φ flashes and falls on alternate reports", () => {
    const sim = surging(0);
    const phis: number[] = [];
    for (let minute = 1; minute <= 20; minute++) {
      sim.minute();
      phis.push(sim.truth().phi);
    }
    expect(sim.k.exhaustion).toBe(1);
    const [flash, fall] = phis.slice(-2).sort((a, b) => b - a) as [number, number];
    expect(flash).toBeCloseTo(M.collapsePhiFlash, 2);
    expect(fall).toBeLessThan(0.01);
    expect(sim.truth().kappa_eff).toBeGreaterThan(20 * REST.kappaStar);
    expect(sim.truth().error_rate).toBeGreaterThan(0.4);
  });

  it("passes SLEEP's 0.8 only on the reports where Φ has just fallen, as the SPEC formula allows", () => {
    const sim = surging(1);
    sim.minute();
    const scores = Array.from({ length: 10 }, () => sim.minute());
    const falls = scores.filter((f) => f > 0.8);
    expect(falls).toHaveLength(5);
    // Without the fall the formula tops out at 0.75, and a flash scores far below that.
    for (const f of scores.filter((x) => x <= 0.8)) expect(f).toBeLessThan(0.4);
  });

  it("shows nothing in a kernel overdriven while spent for four minutes, more than a normal day gives", () => {
    const overdriven = surging(0);
    // The same kernel in a model where work never runs a debt up.
    const fresh = surging(0, 1, { exhaustionOnsetSeconds: Number.POSITIVE_INFINITY });
    for (let minute = 1; minute <= 4; minute++) overdriven.minute();
    expect(overdriven.k.exhaustion).toBeGreaterThan(0);
    expect(overdriven.k.exhaustion).toBeLessThan(M.exhaustionCollapseAbove);
    for (let minute = 1; minute <= 4; minute++) fresh.minute();
    expect(fresh.k.exhaustion).toBe(0);
    expect(overdriven.truth()).toEqual(fresh.truth());
  });

  it("scatters a collapsing kernel's basin more than 3.0 from its baseline in 10 minutes", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const sim = surging(1, seed);
      for (let minute = 1; minute <= 10; minute++) sim.minute();
      expect(sim.drift(), `seed ${seed}`).toBeGreaterThan(DEFAULT_CONFIG.cycles.sleepDriftAbove);
      expect(sim.drift()).toBeLessThanOrEqual(Math.PI);
    }
  });

  it("heals in rest: 15 minutes resting leave no collapse, and the basin comes home", () => {
    const sim = surging(1);
    for (let minute = 1; minute <= 10; minute++) sim.minute();
    for (let minute = 1; minute <= 15; minute++) sim.minute("resting");
    expect(sim.k.exhaustion).toBeCloseTo(0, 9);
    expect(sim.drift()).toBeLessThan(0.01);
    expect(sim.truth().kappa_eff).toBeLessThan(3 * REST.kappaStar);
  });

  it("holds Φ down at rest while the debt is deep, without the flicker of work", () => {
    const sim = surging(1);
    sim.minute();
    const phis = Array.from({ length: 4 }, () => {
      sim.minute("resting");
      return sim.truth().phi;
    });
    for (const phi of phis) expect(phi).toBeLessThan(0.1);
  });
});

describe("farCorner", () => {
  it("is the point of the simplex farthest from the baseline: no vertex lies farther", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 2, maxLength: 64 }),
        (raw) => {
          const baseline = normalizeSimplex(raw);
          const corner = farCorner(baseline, 0);
          const far = fisherRaoDistance(baseline, corner);
          for (let i = 0; i < baseline.length; i++) {
            const vertex = new Float64Array(baseline.length);
            vertex[i] = 1;
            expect(fisherRaoDistance(baseline, vertex)).toBeLessThanOrEqual(far + 1e-12);
          }
        },
      ),
    );
  });
});
