import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { DEFAULT_CONFIG } from "../core/config.js";
import { fisherRaoDistance } from "../core/geometry.js";
import { HealthMonitor } from "../core/health/monitor.js";
import { parseSnapshot } from "../core/health/snapshot.js";
import { computeFatigue } from "../core/rest/fatigue.js";
import { FAULT_TYPES } from "./faults.js";
import { DEFAULT_SIM_MODEL, SimKernel, type SimRestMode } from "./kernel-model.js";
import { type LoadPattern, loadPatternFor } from "./load.js";
import { SeededRandom } from "./random.js";

const M = DEFAULT_SIM_MODEL;
const HOUR = 3600;
const STEP = 10;
const REST = DEFAULT_CONFIG.rest;

/** A kernel on its own virtual clock (ms since the epoch, stepped every 10 s). */
function kernel(
  seed = 1,
  policyType = "coordinated_alternating",
  load: LoadPattern = { kind: "steady", base: 0.5 },
) {
  const k = new SimKernel(
    { kernelId: "apollo_1", name: "Apollo", policyType, load, basinDimension: 64 },
    new SeededRandom(seed).fork("apollo_1"),
  );
  let now = 0;
  return {
    k,
    now: () => now,
    /** Steps `seconds` in `mode`; calls `each` after every step. Stops early when `until` holds. */
    run(seconds: number, mode: SimRestMode = "active", cover = 0, until?: () => boolean): number {
      for (let s = 0; s < seconds; s += STEP) {
        now += STEP * 1000;
        k.step(now, STEP, mode, cover);
        if (until?.()) return s + STEP;
      }
      return seconds;
    },
  };
}

const fatigueOf = (k: SimKernel, previousPhi: number | null): number => {
  const f = k.fatigueSample();
  const trend = previousPhi === null ? 0 : f.phi - previousPhi;
  return computeFatigue(REST, f.phi, trend, f.kappa, f.load, HOUR, f.error_rate);
};

describe("SimKernel determinism", () => {
  it("gives identical snapshots for the same seed and another run for another seed", () => {
    const story = (seed: number) => {
      const sim = kernel(seed);
      const out: unknown[] = [];
      for (let minute = 1; minute <= 90; minute++) {
        sim.run(60);
        if (minute === 30) sim.k.inject("basin_drift", sim.now());
        if (minute === 50) sim.k.apply("basin_correction", { step: 0.5 }, false);
        out.push(sim.k.snapshot(sim.now()), sim.k.fatigueSample());
      }
      return JSON.stringify(out);
    };
    expect(story(3)).toBe(story(3));
    expect(story(3)).not.toBe(story(4));
  });

  it("reports the same noisy Φ, κ and error rate to the scheduler as in the step's snapshot", () => {
    const sim = kernel();
    sim.run(60);
    const sample = sim.k.fatigueSample();
    const snap = sim.k.snapshot(sim.now());
    expect([sample.phi, sample.kappa, sample.error_rate]).toEqual([
      snap.phi,
      snap.kappa_eff,
      snap.error_rate,
    ]);
  });

  it("draws no randomness for the true snapshot", () => {
    const a = kernel(8);
    const b = kernel(8);
    a.run(60);
    b.run(60);
    a.k.trueSnapshot(a.now());
    expect(a.k.snapshot(a.now())).toEqual(b.k.snapshot(b.now()));
  });
});

describe("SimKernel snapshots", () => {
  const command = fc.record({
    mode: fc.constantFrom<SimRestMode>("active", "resting", "reduced", "micro_pause"),
    cover: fc.double({ min: 0, max: 0.6, noNaN: true }),
    minutes: fc.integer({ min: 1, max: 120 }),
    fault: fc.option(fc.constantFrom(...FAULT_TYPES)),
  });

  it("are always valid telemetry: finite, in range, basin on the simplex, accepted by parseSnapshot", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(command, { maxLength: 8 }), (seed, commands) => {
        const sim = kernel(seed);
        for (const c of commands) {
          if (c.fault) sim.k.inject(c.fault, sim.now());
          sim.run(c.minutes * 60, c.mode, c.cover);
          for (const snap of [sim.k.snapshot(sim.now()), sim.k.trueSnapshot(sim.now())]) {
            const parsed = parseSnapshot(snap);
            expect(parsed.kernel_id).toBe("apollo_1");
            let sum = 0;
            for (const p of snap.basin_coords) {
              expect(p >= 0 && Number.isFinite(p)).toBe(true);
              sum += p;
            }
            expect(sum).toBeCloseTo(1, 9);
            expect(Number.isFinite(snap.memory_mb) && Number.isFinite(snap.avg_latency_ms)).toBe(true);
          }
          expect(sim.k.energy >= 0 && sim.k.energy <= 1).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("keep a healthy kernel's basin within 0.3 of its baseline through noise alone", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const sim = kernel(seed);
        const first = sim.k.snapshot(sim.now()).basin_coords;
        for (let i = 0; i < 30; i++) {
          sim.run(60);
          const basin = sim.k.snapshot(sim.now()).basin_coords;
          expect(fisherRaoDistance(basin, sim.k.baseline)).toBeLessThan(0.3);
          // The monitor's baseline is the first (noisy) snapshot, not the true baseline.
          expect(fisherRaoDistance(basin, first)).toBeLessThan(0.3);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("keep a rested kernel inside the healthy band: the health monitor finds nothing in 2 hours", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const clock = new ManualClock(0);
      const monitor = new HealthMonitor({ config: DEFAULT_CONFIG, clock });
      const sim = kernel(seed);
      for (let minute = 0; minute < 120; minute++) {
        sim.run(60);
        clock.set(sim.now());
        const truth = sim.k.trueSnapshot(sim.now());
        expect(truth.phi).toBeGreaterThanOrEqual(M.phiHealthyMin);
        expect(truth.phi).toBeLessThanOrEqual(M.phiHealthyMax);
        monitor.ingest(parseSnapshot(sim.k.snapshot(sim.now())));
        expect(monitor.degradation("apollo_1").findings).toEqual([]);
      }
      expect(monitor.degradation("apollo_1").status).toBe("healthy");
    }
  });
});

describe("SimKernel energy", () => {
  it("runs out in 3–5 hours awake at load 0.5, sooner while covering a partner", () => {
    const alone = kernel();
    const seconds = alone.run(10 * HOUR, "active", 0, () => alone.k.energy === 0);
    expect(seconds / HOUR).toBeGreaterThanOrEqual(3);
    expect(seconds / HOUR).toBeLessThanOrEqual(5);
    const covering = kernel();
    const coveringSeconds = covering.run(10 * HOUR, "active", 0.25, () => covering.k.energy === 0);
    expect(coveringSeconds).toBeLessThan(0.8 * seconds);
  });

  it("recovers fully in 20–30 minutes resting, like micro-pausing, and about 3 times slower REDUCED", () => {
    const recovery = (mode: SimRestMode) => {
      const sim = kernel();
      sim.run(10 * HOUR, "active", 0, () => sim.k.energy === 0);
      return sim.run(10 * HOUR, mode, 0, () => sim.k.energy === 1);
    };
    const resting = recovery("resting");
    expect(resting / 60).toBeGreaterThanOrEqual(20);
    expect(resting / 60).toBeLessThanOrEqual(30);
    expect(recovery("micro_pause")).toBe(resting);
    const ratio = recovery("reduced") / resting;
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(3.5);
  });

  it("serves part of its load when REDUCED and none while resting", () => {
    const sim = kernel();
    sim.run(60, "reduced");
    expect(sim.k.servedLoad).toBeCloseTo(M.reducedLoadShare * 0.5);
    sim.run(60, "resting", 0.3);
    expect(sim.k.servedLoad).toBe(0);
    expect(sim.k.load).toBe(0.5);
  });

  it("lets a never-resting god (Heart, Ocean, Hades) work 24 hours on its busiest day", () => {
    const busiest: LoadPattern = { kind: "diurnal", base: 0.6, amplitude: 0.2 };
    for (const load of [busiest, loadPatternFor("Heart", new SeededRandom(1))]) {
      const heart = kernel(1, "never", load);
      let lowest = 1;
      let previousPhi: number | null = null;
      for (let minute = 0; minute < 24 * 60; minute++) {
        heart.run(60);
        lowest = Math.min(lowest, heart.k.energy);
        const fatigue = fatigueOf(heart.k, previousPhi);
        previousPhi = heart.k.fatigueSample().phi;
        expect(fatigue).toBeLessThan(REST.thresholds.essentialReduce);
      }
      expect(lowest).toBeGreaterThan(M.tiredEnergy);
    }
    // The same day exhausts a kernel that is not built to run without rest.
    const apollo = kernel(1, "coordinated_alternating", busiest);
    expect(apollo.run(24 * HOUR, "active", 0, () => apollo.k.energy === 0)).toBeLessThan(24 * HOUR);
  });

  it("freezes a crashed kernel: no reports, no energy change, load still due", () => {
    const sim = kernel();
    sim.run(HOUR);
    const energy = sim.k.energy;
    sim.k.inject("crash", sim.now());
    sim.run(HOUR);
    expect(sim.k.reporting).toBe(false);
    expect(sim.k.energy).toBe(energy);
    expect(sim.k.servedLoad).toBe(0);
    expect(sim.k.load).toBe(0.5);
  });
});

describe("SimKernel fatigue coupling (SPEC §3 formula)", () => {
  it("keeps fatigue below 0.35 above the tired energy and passes 0.45 and 0.50 when spent", () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const sim = kernel(seed);
      let previousPhi: number | null = null;
      let highestWhileFresh = 0;
      let atZero = 0;
      for (let minute = 0; minute < 6 * 60; minute++) {
        sim.run(60);
        const fatigue = fatigueOf(sim.k, previousPhi);
        previousPhi = sim.k.fatigueSample().phi;
        if (sim.k.energy > M.tiredEnergy) highestWhileFresh = Math.max(highestWhileFresh, fatigue);
        if (sim.k.energy === 0) {
          atZero = fatigue;
          break;
        }
      }
      expect(highestWhileFresh).toBeLessThan(0.35);
      expect(atZero).toBeGreaterThan(REST.thresholds.coordinatedAlternating);
      expect(atZero).toBeGreaterThan(REST.thresholds.scheduled);
      // 0.65 (seasonal) is out of reach at load 0.5: with Φ = 0 and κ → ∞ the formula tops
      // out at 0.35 + 0.20 + 0.05 + 0.05 + 0.05·error. Persephone rests by her season instead.
      expect(atZero).toBeLessThan(REST.thresholds.seasonal);
    }
  });

  it("stays fatigued while resting until energy is mostly back, so a rest is not woken in its first minutes", () => {
    const sim = kernel();
    sim.run(10 * HOUR, "active", 0, () => sim.k.energy === 0);
    const wakeBelow = REST.thresholds.coordinatedAlternating * REST.wakeFatigueFraction;
    let minutes = 0;
    let previousPhi: number | null = null;
    for (; minutes < 60; minutes++) {
      sim.run(60, "resting");
      const fatigue = fatigueOf(sim.k, previousPhi);
      previousPhi = sim.k.fatigueSample().phi;
      if (fatigue < wakeBelow) break;
    }
    expect(minutes).toBeGreaterThanOrEqual(10);
    expect(minutes).toBeLessThan(25);
    // Woken there, it works at healthy Φ and κ again.
    sim.run(60, "active");
    const truth = sim.k.trueSnapshot(sim.now());
    expect(truth.phi).toBeGreaterThanOrEqual(M.phiHealthyMin);
    expect(Math.abs(truth.kappa_eff - REST.kappaStar)).toBeLessThan(2);
  });
});
