/**
 * A kernel's recent snapshots and the sliding windows that ride on them. A push stages
 * values in a preallocated array and commits them: no allocation per snapshot.
 *
 * One Float64Array holds them row by row, 8 doubles per snapshot (the 7 series and the
 * regime code): 64 bytes, one cache line. With a kernel's state cold in memory (10,000
 * kernels reporting in turn), a push then writes one line and its windows read one line
 * each, where a column per metric touched eight arrays at three places; measured, that
 * took ingest at 10,000 kernels from 3.7–5.1 µs down to 1.7–2.9 µs on a loaded machine.
 * `valueAt(series, age)` still reads the ring per metric.
 *
 * The arrays start small and double up to `maxCapacity`, so a young kernel does not hold
 * a full ring it has not filled (10,000 kernels × 1000 slots would otherwise be reserved
 * from the first report). Growing allocates about log2(maxCapacity / 16) times per kernel.
 */
import { type SeriesSource, SlidingWindow, type WindowLayout } from "./sliding-window.js";
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
/** A series number, e.g. Series.phi. */
export type SeriesId = (typeof Series)[keyof typeof Series];

/** Series stored per snapshot (all but the virtual `breakdown`). */
export const STORED_SERIES = 7;
/** Doubles per stored snapshot: the series, then the regime code; 64 bytes, one cache line. */
const STRIDE = 8;
const REGIME = 7;
const INITIAL_CAPACITY = 16;

/**
 * @example
 * const ring = new SnapshotRing(1000, [windowLayout(10, [Series.phi])]);
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
  /** Row-major: snapshot i's series at i·STRIDE…, its regime code at i·STRIDE + REGIME. */
  private rows: Float64Array;
  private capacity: number;
  /** Index the next snapshot is written to. */
  private head = 0;

  constructor(
    readonly maxCapacity: number,
    windows: readonly WindowLayout[],
  ) {
    for (const w of windows)
      if (w.size > maxCapacity) throw new RangeError(`window ${w.size} exceeds ring capacity ${maxCapacity}`);
    this.capacity = Math.min(maxCapacity, INITIAL_CAPACITY);
    this.rows = new Float64Array(this.capacity * STRIDE);
    this.windows = windows.map((w) => new SlidingWindow(w));
  }

  /** Commits the staged snapshot, sliding every window in O(1). */
  push(): void {
    if (this.length === this.capacity && this.capacity < this.maxCapacity) this.grow();
    // Windows read the value leaving them before the ring may overwrite its slot.
    const windows = this.windows;
    for (let w = 0; w < windows.length; w++) (windows[w] as SlidingWindow).slide(this);
    const at = this.head * STRIDE;
    const rows = this.rows;
    const staged = this.staged;
    for (let s = 0; s < STORED_SERIES; s++) rows[at + s] = staged[s] as number;
    rows[at + REGIME] = this.stagedRegime;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.length < this.capacity) this.length++;
    this.total++;
    for (let w = 0; w < windows.length; w++) (windows[w] as SlidingWindow).afterPush(this);
  }

  valueAt(series: number, age: number): number {
    return this.valueAtRow(series, this.rowOffset(age));
  }

  rowOffset(age: number): number {
    return this.indexOf(age) * STRIDE;
  }

  valueAtRow(series: number, offset: number): number {
    if (series === Series.breakdown) return this.rows[offset + REGIME] === BREAKDOWN_CODE ? 1 : 0;
    return this.rows[offset + series] as number;
  }

  incoming(series: number): number {
    if (series === Series.breakdown) return this.stagedRegime === BREAKDOWN_CODE ? 1 : 0;
    return this.staged[series] as number;
  }

  /** Regime code `age` snapshots back. */
  regimeAt(age: number): number {
    return this.rows[this.indexOf(age) * STRIDE + REGIME] as number;
  }

  /**
   * Sets every stored value of a series, then recomputes the windows: used once, when a
   * kernel first reports an optional metric, so earlier snapshots do not read as zero.
   */
  backfill(series: number, value: number): void {
    for (let i = series; i < this.rows.length; i += STRIDE) this.rows[i] = value;
    for (const w of this.windows) w.recompute(this);
  }

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return this.rows.byteLength;
  }

  private indexOf(age: number): number {
    if (!(age >= 0 && age < this.length)) throw new RangeError(`age ${age} outside 0..${this.length - 1}`);
    const i = this.head - 1 - age;
    return i < 0 ? i + this.capacity : i;
  }

  /** Doubles the array, laying the snapshots out oldest first. */
  private grow(): void {
    const next = Math.min(this.maxCapacity, this.capacity * 2);
    const grown = new Float64Array(next * STRIDE);
    // When full, the oldest snapshot sits at head.
    grown.set(this.rows.subarray(this.head * STRIDE), 0);
    grown.set(this.rows.subarray(0, this.head * STRIDE), (this.capacity - this.head) * STRIDE);
    this.rows = grown;
    this.head = this.capacity;
    this.capacity = next;
  }
}
