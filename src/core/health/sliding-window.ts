/**
 * Mean, variance and least-squares slope over the newest `size` values of several series,
 * updated in O(1) per value, so detection never rescans the window.
 *
 * Per series it keeps Σd, Σd² and Σx·d, where d = y − shift and x is the position in the
 * window (0 = oldest). When the window slides, every remaining value moves one place
 * older, which lowers Σx·d by exactly Σd of what remains: Σx·d' = Σx·d − (Σd − d_out) +
 * (size − 1)·d_in. The shift (a recent mean) keeps Σd² from cancelling catastrophically
 * for a series like κ ≈ 64 with a variance of 0.01, and the sums are recomputed exactly
 * every `recomputeEvery` values so rounding cannot pile up over a long life.
 */

import { doubles } from "./heap-arrays.js";

/**
 * Where a window reads values: the ring buffer it rides on.
 * @example src.valueAt(Series.phi, 0) // the newest Φ stored
 */
export interface SeriesSource {
  /** Values stored, newest included. */
  readonly length: number;
  /** The value `age` snapshots back (0 = newest stored). */
  valueAt(series: number, age: number): number;
  /**
   * Where the snapshot `age` back is stored, for `valueAtRow`: a slide finds the row leaving
   * the window once, then reads each series from it, instead of locating it per series.
   */
  rowOffset(age: number): number;
  /** The value of a series in the row at `offset` (from `rowOffset`). */
  valueAtRow(series: number, offset: number): number;
  /** The value about to be pushed. */
  incoming(series: number): number;
}

/**
 * What a window tracks: the same for every kernel, so built once and shared (per-kernel
 * copies would be more cache lines to touch per snapshot).
 */
export interface WindowLayout {
  readonly size: number;
  readonly series: readonly number[];
  /** Position of each tracked series, by series number; −1 when not tracked. */
  readonly slot: Int8Array;
  readonly recomputeEvery: number;
}

/**
 * @example windowLayout(10, [Series.phi, Series.kappa])
 */
export function windowLayout(size: number, series: readonly number[], recomputeEvery = 1024): WindowLayout {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`window size ${size}`);
  const slot = new Int8Array(Math.max(0, ...series) + 1).fill(-1);
  series.forEach((s, j) => {
    slot[s] = j;
  });
  return { size, series, slot, recomputeEvery };
}

/**
 * @example
 * const w = new SlidingWindow(windowLayout(10, [0]));
 * // on each push: w.slide(ring) before the ring overwrites, w.afterPush(ring) after
 * w.slope(0); // least-squares slope per snapshot of series 0 over the last ≤ 10 values
 */
export class SlidingWindow {
  /** Values currently in the window (≤ size). */
  n = 0;
  readonly size: number;
  readonly series: readonly number[];
  /**
   * All of the window's numbers in one array, so a slide touches a few adjacent cache lines.
   * Per tracked series j: at 4j…4j+3 the sums (shift, Σd, Σd², Σx·d); at `offsetOf(series)`
   * its mean, variance and slope, refreshed after every push, so the hot path reads them
   * from the array rather than through calls that would box each double returned. A plain
   * array of doubles, not a typed one: see heap-arrays.ts.
   */
  readonly stats: number[];
  private readonly sums: number[];
  private readonly statsBase: number;
  private sinceExact = 0;

  constructor(private readonly layout: WindowLayout) {
    this.size = layout.size;
    this.series = layout.series;
    this.statsBase = 4 * layout.series.length;
    this.stats = doubles(7 * layout.series.length);
    this.sums = this.stats;
    this.refreshStats();
  }

  /** Takes in the source's incoming values; call before the ring overwrites its oldest slot. */
  slide(src: SeriesSource): void {
    const full = this.n === this.size;
    const last = this.size - 1;
    const sums = this.sums;
    const leaving = full ? src.rowOffset(last) : 0;
    for (let j = 0; j < this.series.length; j++) {
      const s = this.series[j] as number;
      const at = 4 * j;
      const y = src.incoming(s);
      if (this.n === 0) sums[at] = y;
      const shift = sums[at] as number;
      const d = y - shift;
      const sum = sums[at + 1] as number;
      if (full) {
        const out = src.valueAtRow(s, leaving) - shift;
        sums[at + 1] = sum - out + d;
        sums[at + 2] = (sums[at + 2] as number) - out * out + d * d;
        sums[at + 3] = (sums[at + 3] as number) - (sum - out) + last * d;
      } else {
        sums[at + 1] = sum + d;
        sums[at + 2] = (sums[at + 2] as number) + d * d;
        sums[at + 3] = (sums[at + 3] as number) + this.n * d;
      }
    }
    if (!full) this.n++;
  }

  /** Call after the ring has stored the value: recomputes exactly when due, refreshes `stats`. */
  afterPush(src: SeriesSource): void {
    if (++this.sinceExact >= this.layout.recomputeEvery) this.recompute(src);
    else this.refreshStats();
  }

  /** Rebuilds the sums from the source, re-centring each series on its window mean. */
  recompute(src: SeriesSource): void {
    this.sinceExact = 0;
    const n = Math.min(this.size, src.length);
    this.n = n;
    for (let j = 0; j < this.series.length; j++) {
      const s = this.series[j] as number;
      let mean = 0;
      for (let age = 0; age < n; age++) mean += src.valueAt(s, age);
      mean = n > 0 ? mean / n : 0;
      let sum = 0;
      let sumSq = 0;
      let sumXY = 0;
      for (let age = 0; age < n; age++) {
        const d = src.valueAt(s, age) - mean;
        sum += d;
        sumSq += d * d;
        sumXY += (n - 1 - age) * d;
      }
      const at = 4 * j;
      this.sums[at] = mean;
      this.sums[at + 1] = sum;
      this.sums[at + 2] = sumSq;
      this.sums[at + 3] = sumXY;
    }
    this.refreshStats();
  }

  private refreshStats(): void {
    const n = this.n;
    const sums = this.sums;
    const stats = this.stats;
    const sx = (n * (n - 1)) / 2;
    const slopeDenominator = n * (((n - 1) * n * (2 * n - 1)) / 6) - sx * sx;
    for (let j = 0; j < this.series.length; j++) {
      const at = 4 * j;
      const out = this.statsBase + 3 * j;
      const m = (sums[at + 1] as number) / n;
      const v = (sums[at + 2] as number) / n - m * m;
      stats[out] = (sums[at] as number) + m;
      stats[out + 1] = v > 0 ? v : 0;
      stats[out + 2] =
        n < 2 ? 0 : (n * (sums[at + 3] as number) - sx * (sums[at + 1] as number)) / slopeDenominator;
    }
  }

  /** Mean of the window; NaN when empty. */
  mean(series: number): number {
    return this.stats[this.offsetOf(series)] as number;
  }

  /** Population variance (divided by n, as numpy's var); 0 for a single value. */
  variance(series: number): number {
    return this.stats[this.offsetOf(series) + 1] as number;
  }

  /** Least-squares slope per snapshot; 0 with fewer than two values. */
  slope(series: number): number {
    return this.stats[this.offsetOf(series) + 2] as number;
  }

  /** Offset of a series' mean in `stats` (variance and slope follow it). */
  offsetOf(series: number): number {
    const j = this.layout.slot[series];
    if (j === undefined || j < 0) throw new RangeError(`series ${series} is not in this window`);
    return this.statsBase + 3 * j;
  }
}
