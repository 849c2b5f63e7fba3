/**
 * Basins a kernel can report without a model of its own state (SPEC §2, §4): from an
 * embedding it already has, or from the text it produces. A text basin is a hashed
 * bag of word n-grams, so the same text always lands on the same point, a reworded
 * answer lands near it, and an answer about something else lands far away — which is
 * what drift from a baseline should measure. The hash is fixed (FNV-1a over UTF-8) so
 * basins stay comparable across processes, machines and SDK versions: a baseline stored
 * by the server last month must still mean the same thing.
 */

import { InvalidInputError } from "../core/errors.js";
import { embeddingToSimplex } from "../core/geometry.js";

/**
 * The sphere-to-simplex map p_i = x_i² / Σx², for a kernel that has an embedding.
 * Throws a RangeError naming the bad entry for an empty, non-finite or all-zero vector.
 * @example basinFromEmbedding([3, -4]) // [0.36, 0.64]
 */
export function basinFromEmbedding(vector: ArrayLike<number>): number[] {
  try {
    return Array.from(embeddingToSimplex(vector, "embedding"));
  } catch (error) {
    // The core speaks in HTTP-ready InvalidInputErrors; an SDK caller passed a bad argument.
    if (error instanceof InvalidInputError) throw new RangeError(`basinFromEmbedding: ${error.message}`);
    throw error;
  }
}

/** @example { buckets: 64, n: 2 } */
export interface TextBasinOptions {
  /** Entries of the basin (default 64, the server's default dimension). */
  buckets?: number;
  /** Longest word n-gram hashed: 1 = words only, 2 = words and pairs (default). */
  n?: number;
}

/**
 * Added to every bucket so an empty text is the uniform basin and no entry is exactly
 * 0 (a zero entry sits on the simplex boundary, where small changes move the distance
 * most). Small next to one n-gram's weight of 1, so it barely blurs real text.
 */
const SMOOTHING_PER_BUCKET = 1e-3;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Between the words of an n-gram; never part of a word, so "ab c" and "a bc" differ. */
const WORD_SEPARATOR = 0x20;

/** Letters, digits and combining marks (without marks, Devanagari or Thai words fall apart). */
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * A probability vector describing a text: lowercased words and word n-grams (n = 1..N)
 * hashed into `buckets` counts, smoothed and normalised.
 * @example
 * const basin = basinFromText(lastAnswer); // 64 entries summing to 1
 * fisherRaoDistance(basin, basinFromText(lastAnswer)); // 0
 */
export function basinFromText(text: string, options: TextBasinOptions = {}): number[] {
  const buckets = options.buckets ?? 64;
  const maxN = options.n ?? 2;
  if (!Number.isInteger(buckets) || buckets < 1)
    throw new RangeError(`basinFromText: buckets must be a positive integer, got ${buckets}`);
  if (!Number.isInteger(maxN) || maxN < 1)
    throw new RangeError(`basinFromText: n must be a positive integer, got ${maxN}`);
  // NFKC first, so the same words typed with composed or decomposed accents (or
  // full-width forms) hash alike.
  const words = text.normalize("NFKC").toLowerCase().match(WORD) ?? [];
  const counts = new Float64Array(buckets).fill(SMOOTHING_PER_BUCKET);
  let total = SMOOTHING_PER_BUCKET * buckets;
  for (let n = 1; n <= maxN; n++) {
    for (let start = 0; start + n <= words.length; start++) {
      let hash = FNV_OFFSET;
      for (let k = 0; k < n; k++) {
        if (k > 0) hash = fnvByte(hash, WORD_SEPARATOR);
        hash = fnvString(hash, words[start + k]);
      }
      counts[hash % buckets] += 1;
      total += 1;
    }
  }
  const basin = new Array<number>(buckets);
  for (let i = 0; i < buckets; i++) basin[i] = counts[i] / total;
  return basin;
}

/**
 * The 32-bit FNV-1a hash of a string's UTF-8 bytes (lone surrogates as U+FFFD, as
 * Node's UTF-8 encoder writes them), as an unsigned integer.
 * @example fnv1a32("a") // 0xe40c292c
 */
export function fnv1a32(text: string): number {
  return fnvString(FNV_OFFSET, text);
}

/** Feeds a string's UTF-8 bytes into a running hash without allocating a byte buffer. */
function fnvString(seed: number, text: string): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    if (code < 0x80) {
      hash = fnvByte(hash, code);
    } else if (code < 0x800) {
      hash = fnvByte(hash, 0xc0 | (code >> 6));
      hash = fnvByte(hash, 0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      hash = fnvByte(hash, 0xe0 | (code >> 12));
      hash = fnvByte(hash, 0x80 | ((code >> 6) & 0x3f));
      hash = fnvByte(hash, 0x80 | (code & 0x3f));
    } else {
      hash = fnvByte(hash, 0xf0 | (code >> 18));
      hash = fnvByte(hash, 0x80 | ((code >> 12) & 0x3f));
      hash = fnvByte(hash, 0x80 | ((code >> 6) & 0x3f));
      hash = fnvByte(hash, 0x80 | (code & 0x3f));
    }
  }
  return hash;
}

function fnvByte(hash: number, byte: number): number {
  // Math.imul keeps the 32-bit multiply exact; a plain * loses low bits beyond 2^53.
  return Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
}
