import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { DEFAULT_CONFIG } from "../core/config.js";
import { fisherRaoDistance } from "../core/geometry.js";
import { HealthMonitor } from "../core/health/monitor.js";
import { parseSnapshot } from "../core/health/snapshot.js";
import {
  CURE,
  FAULT_TYPES,
  type FaultType,
  REMEDIATION_TYPES,
  type RemediationType,
  SIGNATURE,
} from "./faults.js";
import {
  DEFAULT_SIM_MODEL,
  HELPED_SYMPTOMS,
  SimKernel,
  type SimModelConstants,
  type WireSnapshot,
} from "./kernel-model.js";
import { SeededRandom } from "./random.js";

const M = DEFAULT_SIM_MODEL;
const H = DEFAULT_CONFIG.health;
const STEP = 10;

/** Valid parameters for every action. */
const PARAMS: Record<RemediationType, Record<string, unknown>> = {
  basin_correction: { target: "baseline", step: 0.3 },
  integration_boost: { factor: 1.5 },
  decoherence: { noise: 0.2 },
  enable_cache: { entries: 1000 },
  recycle: {},
  rollback_config: {},
  disable_cache: {},
  restore_config: {},
  basin_restore: {},
};

/** A kernel at load 0.4 on its own clock, warmed up for `warmMinutes`. */
function kernel(seed = 1, warmMinutes = 15, model: Partial<SimModelConstants> = {}) {
  const k = new SimKernel(
    {
      kernelId: "ares_1",
      name: "Ares",
      policyType: "scheduled",
      load: { kind: "steady", base: 0.4 },
      basinDimension: 64,
    },
    new SeededRandom(seed).fork("ares_1"),
    model,
  );
  let now = 0;
  const sim = {
    k,
    now: () => now,
    minutes(n: number, each?: () => void): void {
      for (let i = 0; i < n; i++) {
        for (let s = 0; s < 60; s += STEP) {
          now += STEP * 1000;
          k.step(now, STEP, "active", 0);
        }
        each?.();
      }
    },
  };
  sim.minutes(warmMinutes);
  return sim;
}

const drift = (k: SimKernel, s: WireSnapshot) => fisherRaoDistance(s.basin_coords, k.baseline);

/** Whether the fault's signature metric is past its SPEC §4 threshold in this (true) snapshot. */
const SIGNATURE_CROSSED: Record<
  Exclude<FaultType, "basin_drift" | "memory_leak" | "crash">,
  (s: WireSnapshot) => boolean
> = {
  phi_collapse: (s) => s.phi < H.phiAvgLowCritical,
  phi_overload: (s) => s.phi > H.phiAvgHighCritical,
  latency_regression: (s) => s.avg_latency_ms > H.latencyWarningMs,
  error_spike: (s) => s.error_rate > H.errorRateCritical,
};

/** What each fault may move, as a real kernel with that fault alone would show it (issue 17). */
const OWN_SYMPTOMS: Record<Exclude<FaultType, "crash">, readonly string[]> = {
  basin_drift: ["basin"],
  phi_collapse: ["phi"],
  phi_overload: ["phi"],
  latency_regression: ["avg_latency_ms"],
  memory_leak: ["memory_mb"],
  error_spike: ["error_rate"],
};

/** The true metrics a fault could move, the basin as its distance from the baseline. */
function symptoms(k: SimKernel, s: WireSnapshot): Record<string, number> {
  return {
    phi: s.phi,
    kappa_eff: s.kappa_eff,
    error_rate: s.error_rate,
    avg_latency_ms: s.avg_latency_ms,
    memory_mb: s.memory_mb,
    basin: drift(k, s),
  };
}

/** A kernel with `fault` and its twin without, `minutes` after the injection. */
function sickAndWell(
  fault: FaultType,
  seed: number,
  minutes: number,
  model: Partial<SimModelConstants> = {},
) {
  const sick = kernel(seed, 15, model);
  const well = kernel(seed, 15, model);
  sick.k.inject(fault, sick.now());
  sick.minutes(minutes);
  well.minutes(minutes);
  return {
    sick: symptoms(sick.k, sick.k.trueSnapshot(sick.now())),
    well: symptoms(well.k, well.k.trueSnapshot(well.now())),
  };
}

describe("each fault shows only its own symptoms, as a real one would (no help)", () => {
  it.each(Object.entries(OWN_SYMPTOMS))(
    "%s moves %j and nothing else: no extra drift, no failed requests",
    (fault, own) => {
      for (const seed of [1, 2, 3]) {
        const { sick, well } = sickAndWell(fault as FaultType, seed, 10);
        const moved = Object.keys(sick).filter(
          (name) => Math.abs((sick[name] as number) - (well[name] as number)) > 1e-9,
        );
        expect(moved, `seed ${seed}`).toEqual(own);
      }
    },
  );

  it("adds the old help only when asked: 2 % failed requests and drift toward the symptom target", () => {
    const { sick, well } = sickAndWell("latency_regression", 1, 10, HELPED_SYMPTOMS);
    expect((sick.error_rate as number) - (well.error_rate as number)).toBeCloseTo(
      HELPED_SYMPTOMS.symptomErrorRate,
      9,
    );
    expect(sick.basin as number).toBeGreaterThan((well.basin as number) + 0.5);
  });
});

describe("faults move their signature metric across the SPEC §4 threshold", () => {
  it("drifts the basin past 1.4 within 10 minutes and past 2.0 within 20", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const sim = kernel(seed);
      sim.k.inject("basin_drift", sim.now());
      sim.minutes(10);
      expect(drift(sim.k, sim.k.trueSnapshot(sim.now()))).toBeGreaterThan(H.driftWarning);
      sim.minutes(10);
      expect(drift(sim.k, sim.k.trueSnapshot(sim.now()))).toBeGreaterThan(H.driftCritical);
      // It never leaves the simplex's range of distances, and stays there until cured.
      sim.minutes(60);
      const far = drift(sim.k, sim.k.trueSnapshot(sim.now()));
      expect(far).toBeGreaterThan(H.driftCritical);
      expect(far).toBeLessThan(Math.PI);
    }
  });

  it.each(Object.keys(SIGNATURE_CROSSED) as (keyof typeof SIGNATURE_CROSSED)[])(
    "%s crosses its threshold within a minute and holds until cured",
    (type) => {
      const sim = kernel();
      expect(SIGNATURE_CROSSED[type](sim.k.trueSnapshot(sim.now()))).toBe(false);
      sim.k.inject(type, sim.now());
      sim.minutes(1);
      expect(SIGNATURE_CROSSED[type](sim.k.trueSnapshot(sim.now()))).toBe(true);
      sim.minutes(60);
      expect(SIGNATURE_CROSSED[type](sim.k.trueSnapshot(sim.now()))).toBe(true);
    },
  );

  it("leaks about 20 MB a minute: past the slope warning at once and past 1000 MB within 40 minutes", () => {
    const sim = kernel();
    const before = sim.k.trueSnapshot(sim.now()).memory_mb;
    sim.k.inject("memory_leak", sim.now());
    sim.minutes(1);
    expect(sim.k.trueSnapshot(sim.now()).memory_mb - before).toBeCloseTo(M.memoryLeakMbPerMinute);
    expect(M.memoryLeakMbPerMinute).toBeGreaterThan(H.memorySlopeWarningMbPerSnapshot);
    sim.minutes(39);
    expect(sim.k.trueSnapshot(sim.now()).memory_mb).toBeGreaterThan(H.memoryWarningMb);
  });

  it("silences a crashed kernel at once", () => {
    const sim = kernel();
    sim.k.inject("crash", sim.now());
    expect(sim.k.reporting).toBe(false);
  });

  it.each(FAULT_TYPES.filter((t) => t !== "crash"))(
    "%s is reported by the health monitor under one of its signature rules within 12 minutes",
    (type) => {
      const clock = new ManualClock(0);
      const monitor = new HealthMonitor({ config: DEFAULT_CONFIG, clock });
      const sim = kernel(7, 0);
      const report = () => {
        clock.set(sim.now());
        monitor.ingest(parseSnapshot(sim.k.snapshot(sim.now())));
      };
      sim.minutes(15, report);
      expect(monitor.degradation("ares_1").status).toBe("healthy");
      sim.k.inject(type, sim.now());
      let minutes = 0;
      const seen = () => monitor.degradation("ares_1").findings.some((i) => SIGNATURE[type].includes(i.rule));
      while (!seen() && minutes < 30) {
        sim.minutes(1, report);
        minutes += 1;
      }
      expect(minutes).toBeLessThanOrEqual(12);
    },
  );
});

describe("each fault is cured by its own action and by none of the others", () => {
  const cases = FAULT_TYPES.flatMap((fault) => REMEDIATION_TYPES.map((action) => [fault, action] as const));

  it.each(cases)("%s + %s", (fault, action) => {
    const sim = kernel();
    sim.k.inject(fault, sim.now());
    sim.minutes(5);
    const outcome = sim.k.apply(action, PARAMS[action], false);
    const isCure = CURE[fault] === action;
    if (fault === "crash" && !isCure) {
      expect(outcome).toEqual({ ok: false, error: expect.stringContaining("only recycle"), cured: null });
    } else {
      expect(outcome.ok).toBe(true);
      expect(outcome.cured).toBe(isCure ? fault : null);
    }
    expect(sim.k.activeFaults().includes(fault)).toBe(!isCure);
  });

  it("brings every metric back to health after the cure", () => {
    for (const fault of FAULT_TYPES) {
      const sim = kernel();
      const healthy = sim.k.trueSnapshot(sim.now());
      sim.k.inject(fault, sim.now());
      sim.minutes(15);
      expect(sim.k.apply(CURE[fault], PARAMS[CURE[fault]], false).cured).toBe(fault);
      sim.minutes(10);
      const after = sim.k.trueSnapshot(sim.now());
      expect(sim.k.reporting).toBe(true);
      expect(drift(sim.k, after)).toBeLessThan(0.05);
      expect(after.phi).toBeGreaterThanOrEqual(H.phiLowWarning);
      expect(after.phi).toBeLessThanOrEqual(H.phiAvgHighCritical);
      expect(after.error_rate).toBeLessThan(H.errorRateCritical);
      expect(after.avg_latency_ms).toBeLessThanOrEqual(healthy.avg_latency_ms);
      expect(after.memory_mb).toBeLessThan(healthy.memory_mb + 10);
    }
  });

  it("moves a drifted basin `step` of the way back along the geodesic, then lets it relax to baseline", () => {
    const sim = kernel();
    sim.k.inject("basin_drift", sim.now());
    sim.minutes(20);
    const before = drift(sim.k, sim.k.trueSnapshot(sim.now()));
    const outcome = sim.k.apply("basin_correction", { target: "baseline", step: 0.3 }, false);
    expect(drift(sim.k, sim.k.trueSnapshot(sim.now()))).toBeCloseTo(0.7 * before, 6);
    // The sandbox predicts where the basin settles once nothing drives it away: the baseline.
    expect(fisherRaoDistance(outcome.predicted?.basin_coords ?? [], sim.k.baseline)).toBeCloseTo(0, 6);
    sim.minutes(5);
    expect(drift(sim.k, sim.k.trueSnapshot(sim.now()))).toBeLessThan(0.3);
  });

  it("keeps energy through a recycle, and resets memory and reporting", () => {
    const sim = kernel();
    sim.k.inject("memory_leak", sim.now());
    sim.minutes(20);
    sim.k.inject("crash", sim.now());
    const energy = sim.k.energy;
    expect(sim.k.apply("recycle", {}, false).cured).toBe("crash");
    expect(sim.k.activeFaults()).toEqual([]);
    expect(sim.k.energy).toBe(energy);
    expect(sim.k.reporting).toBe(true);
    expect(sim.k.trueSnapshot(sim.now()).memory_mb).toBeLessThan(M.memoryMbMax + 1);
    expect(sim.k.adjustments.restarts).toBe(1);
  });

  it("leaves a visible, recorded side effect when a Φ action finds nothing to cure", () => {
    const sim = kernel();
    const phi = sim.k.trueSnapshot(sim.now()).phi;
    expect(sim.k.apply("integration_boost", { factor: 1.5 }, false).cured).toBeNull();
    expect(sim.k.trueSnapshot(sim.now()).phi).toBeCloseTo(phi + 0.03, 9);
    expect(sim.k.adjustments.phiOffset).toBeCloseTo(0.03, 9);
    sim.k.apply("decoherence", { noise: 0.2 }, false);
    sim.k.apply("decoherence", { noise: 0.2 }, false);
    expect(sim.k.trueSnapshot(sim.now()).phi).toBeCloseTo(phi - 0.03, 9);
    expect(sim.k.trueSnapshot(sim.now()).phi).toBeGreaterThan(H.phiLowWarning);
  });

  it("pushes a bad config for an error spike and rolls it back", () => {
    const sim = kernel();
    const good = sim.k.snapshot(sim.now()).code_hash;
    sim.k.inject("error_spike", sim.now());
    expect(sim.k.snapshot(sim.now()).code_hash).not.toBe(good);
    sim.k.apply("rollback_config", {}, false);
    expect(sim.k.snapshot(sim.now()).code_hash).toBe(good);
  });
});

describe("dry runs and refusals change nothing", () => {
  /** Two kernels with one history; `act` touches only the first. Both then run on and must agree. */
  function twins(fault: FaultType, act: (k: SimKernel) => void): void {
    const a = kernel(5);
    const b = kernel(5);
    for (const sim of [a, b]) {
      sim.k.inject(fault, sim.now());
      sim.minutes(5);
    }
    const faults = [...a.k.activeFaults()];
    act(a.k);
    expect(a.k.activeFaults()).toEqual(faults);
    expect(a.k.adjustments).toEqual(b.k.adjustments);
    expect(a.k.trueSnapshot(a.now())).toEqual(b.k.trueSnapshot(b.now()));
    a.minutes(10);
    b.minutes(10);
    expect(a.k.snapshot(a.now())).toEqual(b.k.snapshot(b.now()));
  }

  it.each(FAULT_TYPES)("a dry run of every action on a kernel with %s", (fault) => {
    for (const action of REMEDIATION_TYPES) twins(fault, (k) => k.apply(action, PARAMS[action], true));
  });

  it("predicts exactly the noise-free metrics the action then produces", () => {
    for (const fault of FAULT_TYPES) {
      for (const action of REMEDIATION_TYPES) {
        const sim = kernel(6);
        sim.k.inject(fault, sim.now());
        sim.minutes(5);
        const dry = sim.k.apply(action, PARAMS[action], true);
        const real = sim.k.apply(action, PARAMS[action], false);
        expect(dry).toEqual(real);
        if (!real.ok) continue;
        // Metrics as they are right after; the basin as it settles (within minutes).
        const truth = sim.k.trueSnapshot(sim.now());
        sim.minutes(30);
        const settled = sim.k.trueSnapshot(sim.now());
        expect(real.predicted).toMatchObject({
          phi: truth.phi,
          kappa_eff: truth.kappa_eff,
          error_rate: truth.error_rate,
          avg_latency: truth.avg_latency_ms,
          memory_mb: truth.memory_mb,
          memory_mb_slope: sim.k.activeFaults().includes("memory_leak") ? M.memoryLeakMbPerMinute : 0,
        });
        const stillDrifting = sim.k.activeFaults().includes("basin_drift");
        if (!stillDrifting)
          expect(fisherRaoDistance(real.predicted?.basin_coords ?? [], settled.basin_coords)).toBeLessThan(
            0.01,
          );
      }
    }
  });

  it.each([
    ["basin_correction", { step: 1.5 }, "step"],
    ["integration_boost", { factor: 2 }, "factor"],
    ["decoherence", { noise: 0.5 }, "noise"],
    ["enable_cache", { entries: -1 }, "entries"],
    ["reboot_universe", {}, "type"],
  ])("refuses %s %j, naming %s", (action, params, field) => {
    twins("phi_collapse", (k) => {
      const outcome = k.apply(action, params, false);
      expect(outcome.ok).toBe(false);
      expect(outcome.error).toMatch(new RegExp(`^${field}: `));
      expect(outcome.predicted).toBeUndefined();
      expect(outcome.cured).toBeNull();
    });
  });

  it("lets a crashed kernel run only recycle, even as a dry run", () => {
    twins("crash", (k) => {
      expect(k.apply("rollback_config", {}, true).ok).toBe(false);
      expect(k.apply("enable_cache", { entries: 10 }, false).ok).toBe(false);
      expect(k.apply("recycle", {}, true)).toMatchObject({ ok: true, cured: "crash" });
    });
  });
});
