/**
 * How much work each simulated kernel is given over time (0 idle … 1 saturated). A
 * pattern is drawn once per kernel from its seeded stream; after that `loadAt` is a pure
 * function of time, so any instant can be asked for in any order and gives one answer.
 */
import { hashToUnit, type SeededRandom } from "./random.js";

/**
 * A kernel's load over time. Times are simulated epoch seconds, so a day, a burst slot or
 * a season starts at a whole multiple of its period.
 */
export type LoadPattern =
  | { kind: "steady"; base: number }
  /** Lowest at midnight, highest at noon: base ± amplitude over 24 h. */
  | { kind: "diurnal"; base: number; amplitude: number }
  /**
   * `burst` for `lengthSeconds` once in every `everySeconds` slot, otherwise `base`. The
   * burst starts up to `jitterSeconds` into its slot, by an amount fixed per slot by
   * `jitterSeed`, so bursts come "roughly" every period yet replay exactly.
   */
  | {
      kind: "bursts";
      base: number;
      burst: number;
      everySeconds: number;
      lengthSeconds: number;
      jitterSeconds?: number;
      jitterSeed?: number;
    }
  /** `active` for the first `activeFraction` of each season, then `dormant`. */
  | { kind: "seasonal"; active: number; dormant: number; seasonSeconds: number; activeFraction: number };

const DAY_SECONDS = 86_400;

/** The load patterns loadPatternFor hands out; seconds and loads 0..1. */
export const LOAD_PROFILES = {
  /** Ares: war comes in bursts of full load, about 20 min roughly every 2 h. */
  burstEverySeconds: 2 * 3600,
  burstLengthSeconds: 20 * 60,
  burstJitterSeconds: 30 * 60,
  burstLoad: 1,
  burstBaseMin: 0.15,
  burstBaseMax: 0.25,
  /** Persephone: active half of a 6 h season, nearly idle the other half. */
  seasonSeconds: 6 * 3600,
  seasonActiveFraction: 0.5,
  seasonActiveMin: 0.55,
  seasonActiveMax: 0.65,
  seasonDormant: 0.05,
  /** Every other god follows the day. */
  diurnalBaseMin: 0.4,
  diurnalBaseMax: 0.6,
  diurnalAmplitudeMin: 0.1,
  diurnalAmplitudeMax: 0.2,
  /** Chaos workers take a steady share of the queue. */
  steadyMin: 0.3,
  steadyMax: 0.7,
  /** A surge (the exhausted scenario) keeps every kernel at nearly full load. */
  surgeMin: 0.95,
  surgeMax: 1,
} as const;

/**
 * The load pattern of a god (by registry name) or, for null, of a chaos worker.
 * @example loadPatternFor("Ares", rng) // { kind: "bursts", burst: 1, everySeconds: 7200, … }
 */
export function loadPatternFor(godName: string | null, rng: SeededRandom): LoadPattern {
  const P = LOAD_PROFILES;
  switch (godName?.toLowerCase()) {
    case undefined:
      return { kind: "steady", base: rng.uniform(P.steadyMin, P.steadyMax) };
    case "ares":
      return {
        kind: "bursts",
        base: rng.uniform(P.burstBaseMin, P.burstBaseMax),
        burst: P.burstLoad,
        everySeconds: P.burstEverySeconds,
        lengthSeconds: P.burstLengthSeconds,
        jitterSeconds: P.burstJitterSeconds,
        jitterSeed: rng.int(0, 2 ** 31 - 1),
      };
    case "persephone":
      return {
        kind: "seasonal",
        active: rng.uniform(P.seasonActiveMin, P.seasonActiveMax),
        dormant: P.seasonDormant,
        seasonSeconds: P.seasonSeconds,
        activeFraction: P.seasonActiveFraction,
      };
    default:
      return {
        kind: "diurnal",
        base: rng.uniform(P.diurnalBaseMin, P.diurnalBaseMax),
        amplitude: rng.uniform(P.diurnalAmplitudeMin, P.diurnalAmplitudeMax),
      };
  }
}

/**
 * The load of a surge that has outlasted the constellation: steady, nearly full, for everyone.
 * @example surgeLoad(rng) // { kind: "steady", base: 0.97 }
 */
export function surgeLoad(rng: SeededRandom): LoadPattern {
  return { kind: "steady", base: rng.uniform(LOAD_PROFILES.surgeMin, LOAD_PROFILES.surgeMax) };
}

/**
 * The load at simulated second `tSeconds`, clipped to [0, 1].
 * @example loadAt({ kind: "diurnal", base: 0.5, amplitude: 0.2 }, 43_200) // 0.7 (noon)
 */
export function loadAt(pattern: LoadPattern, tSeconds: number): number {
  return clip01(rawLoad(pattern, tSeconds));
}

function rawLoad(p: LoadPattern, t: number): number {
  switch (p.kind) {
    case "steady":
      return p.base;
    case "diurnal":
      return p.base - p.amplitude * Math.cos((2 * Math.PI * t) / DAY_SECONDS);
    case "bursts": {
      if (!(p.everySeconds > 0)) return p.base;
      const slot = Math.floor(t / p.everySeconds);
      const intoSlot = t - slot * p.everySeconds;
      // The jitter never pushes a burst out of its own slot, so only this slot's burst can be on.
      const room = Math.max(0, p.everySeconds - p.lengthSeconds);
      const jitter = Math.min(room, (p.jitterSeconds ?? 0) * hashToUnit(p.jitterSeed ?? 0, slot));
      return intoSlot >= jitter && intoSlot < jitter + p.lengthSeconds ? p.burst : p.base;
    }
    case "seasonal": {
      if (!(p.seasonSeconds > 0)) return p.active;
      const intoSeason = t - Math.floor(t / p.seasonSeconds) * p.seasonSeconds;
      return intoSeason < p.activeFraction * p.seasonSeconds ? p.active : p.dormant;
    }
  }
}

function clip01(x: number): number {
  return x > 1 ? 1 : x >= 0 ? x : 0;
}
