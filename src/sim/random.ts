/**
 * The simulator's only source of randomness: a seeded xoroshiro128+ stream (pure-rand).
 * Nothing in the simulator calls Math.random, so one seed replays one run exactly.
 *
 * Streams are keyed, not chained: `fork(label)` derives a child from the parent's key and
 * the label alone, never from how far the parent has been read. Each kernel draws from
 * `fork(kernelId)`, so adding a kernel, or reading one kernel more often, leaves every
 * other kernel's randomness where it was.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { InvalidInputError } from "../core/errors.js";

/** 128 bits of key as four 32-bit words: it seeds the generator's whole state. */
type StreamKey = readonly [number, number, number, number];

/** Distinct odd constants give the four key words independent hashes of the same input. */
const LANE_SEEDS = [0x9e3779b9, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f] as const;

/**
 * A deterministic random stream.
 * @example
 * const rng = new SeededRandom(7);
 * rng.next(); // the same number in [0, 1) on every run with seed 7
 * rng.fork("apollo_1").normal(0.77, 0.01); // Apollo's own stream
 */
export class SeededRandom {
  private key: StreamKey;
  private gen: RandomGenerator;
  /** Box–Muller yields normals in pairs; the second waits here (NaN when none). */
  private spareNormal = Number.NaN;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new InvalidInputError("seed", "must be a safe integer");
    // Both halves of the seed count: xoroshiro's own seeding keeps only the low 32 bits.
    this.key = deriveKey([0x5eed, seed >>> 0, Math.floor(seed / 2 ** 32) | 0]);
    this.gen = generatorFor(this.key);
  }

  /** Uniform in [0, 1), 53 random bits. */
  next(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A normal deviate (Box–Muller). */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = Number.NaN;
      return mean + sd * z;
    }
    // 1 − next() is in (0, 1], so the logarithm stays finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const theta = 2 * Math.PI * this.next();
    this.spareNormal = r * Math.sin(theta);
    return mean + sd * r * Math.cos(theta);
  }

  /** A uniform integer in [min, maxInclusive]. */
  int(min: number, maxInclusive: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(maxInclusive) || min > maxInclusive)
      throw new InvalidInputError("int", `needs integers min ≤ max, got ${min} and ${maxInclusive}`);
    return uniformInt(this.gen, min, maxInclusive);
  }

  /** One of the items, each equally likely. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidInputError("items", "cannot pick from an empty list");
    return items[this.int(0, items.length - 1)] as T;
  }

  /**
   * An independent stream named `label`: the same parent key and label always give the
   * same stream, whatever has been drawn from the parent so far.
   */
  fork(label: string): SeededRandom {
    const words = [...this.key, label.length];
    for (let i = 0; i < label.length; i++) words.push(label.charCodeAt(i));
    const child = new SeededRandom(0);
    child.key = deriveKey(words);
    child.gen = generatorFor(child.key);
    return child;
  }
}

/**
 * A number in [0, 1) that depends only on (seed, index): for randomness that must be a
 * pure function of its position, such as the jitter of the k-th load burst.
 * @example hashToUnit(12345, 3) // the same value on every call
 */
export function hashToUnit(seed: number, index: number): number {
  const h = hashWords([seed >>> 0, Math.floor(seed / 2 ** 32) | 0, index >>> 0], LANE_SEEDS[0]);
  return h / 2 ** 32;
}

function deriveKey(words: readonly number[]): StreamKey {
  const key: StreamKey = [
    hashWords(words, LANE_SEEDS[0]),
    hashWords(words, LANE_SEEDS[1]),
    hashWords(words, LANE_SEEDS[2]),
    hashWords(words, LANE_SEEDS[3]),
  ];
  // xoroshiro's all-zero state is a fixed point; one set bit is enough to leave it.
  return key.every((w) => w === 0) ? [1, 0, 0, 0] : key;
}

function generatorFor(key: StreamKey): RandomGenerator {
  return xoroshiro128plusFromState([key[0] | 0, key[1] | 0, key[2] | 0, key[3] | 0]);
}

/** A murmur3-style hash of 32-bit words to one unsigned 32-bit word. */
function hashWords(words: readonly number[], seed: number): number {
  let h = seed | 0;
  for (const word of words) {
    let k = Math.imul(word | 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= words.length;
  // fmix32: every input bit reaches every output bit.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
