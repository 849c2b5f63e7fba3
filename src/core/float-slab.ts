/**
 * Small Float64Array and Float32Array views cut from shared 8 KB buffers, for the basins every
 * snapshot carries (parsed from the wire, then converted to float32 for the store).
 *
 * Why: a typed array of more than 64 bytes keeps its numbers outside V8's heap, and on this
 * kind of machine `new Float64Array(64)` costs about 2.8 µs (an allocation, V8's external
 * memory accounting and, later, a sweep), where a view on a shared buffer costs 0.09 µs
 * (measured in one process, a million of each). That was over half of validating a snapshot
 * with a 64-entry basin. Node's own Buffer pool does the same for small Buffers.
 *
 * What it costs: a view keeps its whole 8 KB buffer alive. Snapshots are short-lived, and the
 * monitor's longest hold is each kernel's newest basin: at most 8 KB per kernel, in the worst
 * case where no two kernels' newest basins share a buffer. Anything kept for long (baselines,
 * resonance points) is copied with `slice()`, which gives the copy a buffer of its own.
 */

/** Bytes in each shared buffer. */
const SLAB_BYTES = 8192;
/** Larger arrays get a buffer of their own: a view would pin too much for too little. */
const MAX_VIEW_BYTES = SLAB_BYTES / 4;

let slab = new ArrayBuffer(SLAB_BYTES);
/** Bytes of `slab` handed out; kept a multiple of 8, so every view is aligned for doubles. */
let used = 0;

function cut(bytes: number): number {
  const aligned = (bytes + 7) & ~7;
  if (used + aligned > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const at = used;
  used += aligned;
  return at;
}

/**
 * `n` zeros (no part of a buffer is handed out twice).
 * @example const p = float64s(64); for (let i = 0; i < 64; i++) p[i] = weights[i] / sum;
 */
export function float64s(n: number): Float64Array {
  if (n * 8 > MAX_VIEW_BYTES) return new Float64Array(n);
  const at = cut(n * 8); // first: it may start a new buffer
  return new Float64Array(slab, at, n);
}

/**
 * `values` rounded to float32, in a view on a shared buffer.
 * @example encodeBasin(float32sOf(snapshot.basin_coords))
 */
export function float32sOf(values: ArrayLike<number>): Float32Array {
  const n = values.length;
  let out: Float32Array;
  if (n * 4 > MAX_VIEW_BYTES) out = new Float32Array(n);
  else {
    const at = cut(n * 4); // first: it may start a new buffer
    out = new Float32Array(slab, at, n);
  }
  out.set(values);
  return out;
}
