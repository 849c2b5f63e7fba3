/**
 * A kernel's recent snapshots, one Float64Array per metric plus a Uint8Array of regime
 * codes, and the sliding windows that ride on them. A push stages values in a preallocated
 * array and commits them: no allocation per snapshot.
 *
 * The arrays start small and double up to `maxCapacity`, so a young kernel does not hold
 * a full ring it has not filled (10,000 kernels × 1000 slots would otherwise be reserved
 * from the first report). Growing allocates about log2(maxCapacity / 16) times per kernel.
 */
import { type SeriesSource, SlidingWindow } from "./sliding-window.js";
import { BREAKDOWN_CODE } from "./thresholds.js";

/** The stored series. `breakdown` is virtual: 1 when the regime code is breakdown, else 0. */
export const Series = {
  phi: 0,
  kappa: 1,
  drift: 2,
  errorRate: 3,
  latencyMs: 4,
  memoryMb: 5,
  timeSeconds: 6,
  breakdown: 7,
} as const;
export type SeriesId = (typeof Series)[keyof typeof Series];

/** Series backed by a Float64Array (all but the virtual `breakdown`). */
export const STORED_SERIES = 7;
const INITIAL_CAPACITY = 16;

/**
 * @example
 * const ring = new SnapshotRing(1000, [{ size: 10, series: [Series.phi] }]);
 * ring.staged[Series.phi] = 0.8; ring.stagedRegime = 2; ring.push();
 * ring.valueAt(Series.phi, 0); // 0.8
 */
export class SnapshotRing implements SeriesSource {
  /** Values of the next snapshot, written by the caller before `push()`. */
  readonly staged = new Float64Array(STORED_SERIES);
  stagedRegime = 0;
  /** Snapshots stored (≤ maxCapacity). */
  length = 0;
  /** Snapshots ever pushed. */
  total = 0;
  readonly windows: SlidingWindow[];
  private columns: Float64Array[];
  private regimes: Uint8Array;
  private capacity: number;
  /** Index the next snapshot is written to. */
  private head = 0;

  constructor(
    readonly maxCapacity: number,
    windows: readonly { size: number; series: readonly number[]; recomputeEvery?: number }[],
  ) {
    for (const w of windows)
      if (w.size > maxCapacity) throw new RangeError(`window ${w.size} exceeds ring capacity ${maxCapacity}`);
    this.capacity = Math.min(maxCapacity, INITIAL_CAPACITY);
    this.columns = Array.from({ length: STORED_SERIES }, () => new Float64Array(this.capacity));
    this.regimes = new Uint8Array(this.capacity);
    this.windows = windows.map((w) => new SlidingWindow(w.size, w.series, w.recomputeEvery));
  }

  /** Commits the staged snapshot, sliding every window in O(1). */
  push(): void {
    if (this.length === this.capacity && this.capacity < this.maxCapacity) this.grow();
    // Windows read the value leaving them before the ring may overwrite its slot.
    const windows = this.windows;
    for (let w = 0; w < windows.length; w++) (windows[w] as SlidingWindow).slide(this);
    const at = this.head;
    for (let s = 0; s < STORED_SERIES; s++) (this.columns[s] as Float64Array)[at] = this.staged[s] as number;
    this.regimes[at] = this.stagedRegime;
    this.head = at + 1 === this.capacity ? 0 : at + 1;
    if (this.length < this.capacity) this.length++;
    this.total++;
    for (let w = 0; w < windows.length; w++) (windows[w] as SlidingWindow).afterPush(this);
  }

  valueAt(series: number, age: number): number {
    const i = this.indexOf(age);
    if (series === Series.breakdown) return this.regimes[i] === BREAKDOWN_CODE ? 1 : 0;
    return (this.columns[series] as Float64Array)[i] as number;
  }

  incoming(series: number): number {
    if (series === Series.breakdown) return this.stagedRegime === BREAKDOWN_CODE ? 1 : 0;
    return this.staged[series] as number;
  }

  /** Regime code `age` snapshots back. */
  regimeAt(age: number): number {
    return this.regimes[this.indexOf(age)] as number;
  }

  /**
   * Sets every stored value of a series, then recomputes the windows: used once, when a
   * kernel first reports an optional metric, so earlier snapshots do not read as zero.
   */
  backfill(series: number, value: number): void {
    (this.columns[series] as Float64Array).fill(value);
    for (const w of this.windows) w.recompute(this);
  }

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return this.capacity * (STORED_SERIES * 8 + 1);
  }

  private indexOf(age: number): number {
    if (!(age >= 0 && age < this.length)) throw new RangeError(`age ${age} outside 0..${this.length - 1}`);
    const i = this.head - 1 - age;
    return i < 0 ? i + this.capacity : i;
  }

  /** Doubles the arrays, laying the snapshots out oldest first. */
  private grow(): void {
    const next = Math.min(this.maxCapacity, this.capacity * 2);
    const order = (from: Float64Array | Uint8Array, to: Float64Array | Uint8Array) => {
      // When full, the oldest snapshot sits at head.
      to.set(from.subarray(this.head), 0);
      to.set(from.subarray(0, this.head), this.capacity - this.head);
    };
    this.columns = this.columns.map((c) => {
      const grown = new Float64Array(next);
      order(c, grown);
      return grown;
    });
    const regimes = new Uint8Array(next);
    order(this.regimes, regimes);
    this.regimes = regimes;
    this.head = this.capacity;
    this.capacity = next;
  }
}
