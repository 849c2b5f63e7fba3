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

/** Where a window reads values: the ring buffer it rides on. */
export interface SeriesSource {
  /** Values stored, newest included. */
  readonly length: number;
  /** The value `age` snapshots back (0 = newest stored). */
  valueAt(series: number, age: number): number;
  /** The value about to be pushed. */
  incoming(series: number): number;
}

/**
 * @example
 * const w = new SlidingWindow(10, [0]);
 * // on each push: w.slide(ring) before the ring overwrites, w.afterPush(ring) after
 * w.slope(0); // least-squares slope per snapshot of series 0 over the last ≤ 10 values
 */
export class SlidingWindow {
  /** Values currently in the window (≤ size). */
  n = 0;
  private readonly shift: Float64Array;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private readonly sumXY: Float64Array;
  /** Position of each tracked series in the sums, by series number; −1 when not tracked. */
  private readonly slot: Int16Array;
  private sinceExact = 0;

  constructor(
    readonly size: number,
    readonly series: readonly number[],
    private readonly recomputeEvery = 1024,
  ) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`window size ${size}`);
    const k = series.length;
    this.shift = new Float64Array(k);
    this.sum = new Float64Array(k);
    this.sumSq = new Float64Array(k);
    this.sumXY = new Float64Array(k);
    this.slot = new Int16Array(Math.max(0, ...series) + 1).fill(-1);
    series.forEach((s, j) => {
      this.slot[s] = j;
    });
  }

  /** Takes in the source's incoming values; call before the ring overwrites its oldest slot. */
  slide(src: SeriesSource): void {
    const full = this.n === this.size;
    const last = this.size - 1;
    for (let j = 0; j < this.series.length; j++) {
      const s = this.series[j] as number;
      if (this.n === 0) this.shift[j] = src.incoming(s);
      const d = src.incoming(s) - (this.shift[j] as number);
      const sum = this.sum[j] as number;
      if (full) {
        const out = src.valueAt(s, last) - (this.shift[j] as number);
        this.sumXY[j] = (this.sumXY[j] as number) - (sum - out) + last * d;
        this.sum[j] = sum - out + d;
        this.sumSq[j] = (this.sumSq[j] as number) - out * out + d * d;
      } else {
        this.sumXY[j] = (this.sumXY[j] as number) + this.n * d;
        this.sum[j] = sum + d;
        this.sumSq[j] = (this.sumSq[j] as number) + d * d;
      }
    }
    if (!full) this.n++;
  }

  /** Call after the ring has stored the value: recomputes exactly when due. */
  afterPush(src: SeriesSource): void {
    if (++this.sinceExact >= this.recomputeEvery) this.recompute(src);
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
      this.shift[j] = mean;
      this.sum[j] = sum;
      this.sumSq[j] = sumSq;
      this.sumXY[j] = sumXY;
    }
  }

  /** Mean of the window; NaN when empty. */
  mean(series: number): number {
    const j = this.index(series);
    return (this.shift[j] as number) + (this.sum[j] as number) / this.n;
  }

  /** Population variance (divided by n, as numpy's var); 0 for a single value. */
  variance(series: number): number {
    const j = this.index(series);
    const m = (this.sum[j] as number) / this.n;
    const v = (this.sumSq[j] as number) / this.n - m * m;
    return v > 0 ? v : 0;
  }

  /** Least-squares slope per snapshot; 0 with fewer than two values. */
  slope(series: number): number {
    const n = this.n;
    if (n < 2) return 0;
    const j = this.index(series);
    const sx = (n * (n - 1)) / 2;
    const sxx = ((n - 1) * n * (2 * n - 1)) / 6;
    return (n * (this.sumXY[j] as number) - sx * (this.sum[j] as number)) / (n * sxx - sx * sx);
  }

  private index(series: number): number {
    const j = this.slot[series];
    if (j === undefined || j < 0) throw new RangeError(`series ${series} is not in this window`);
    return j;
  }
}
