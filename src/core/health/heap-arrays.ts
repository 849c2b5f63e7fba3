/**
 * Plain arrays for a kernel's small, hot state (window statistics, the rules' counters, the
 * baseline's roots) instead of typed arrays.
 *
 * Why: V8 keeps the numbers of a typed array longer than 64 bytes in a separate allocation
 * outside its heap, so reading one costs a dependent load (the array object, then its data),
 * usually on a cache line and page of its own. A plain array of doubles or of small integers
 * keeps them unboxed on the heap, allocated beside the kernel's other objects. At 10,000
 * kernels, where ingest waits on memory, this made ingest about 7 % faster in interleaved
 * runs of both builds in one process.
 *
 * The arrays are built so V8 gives them packed elements of one kind from the start (doubles,
 * or small integers), and every later write keeps that kind: code reading them stays
 * monomorphic.
 */

/**
 * `n` zeros held as unboxed doubles (V8's PACKED_DOUBLE_ELEMENTS), or a copy of `values`.
 * @example const stats = doubles(21); stats[0] = 0.75;
 */
export function doubles(n: number, values?: ArrayLike<number>): number[] {
  // A fraction first makes the elements doubles; zeros alone would make them small integers.
  const out = Array.from({ length: n }, () => 0.5);
  for (let i = 0; i < n; i++) out[i] = values === undefined ? 0 : (values[i] as number);
  return out;
}

/**
 * `n` zeros held as small integers (V8's PACKED_SMI_ELEMENTS), for counts.
 * @example const held = counters(24); held[3]++;
 */
export function counters(n: number): number[] {
  return Array.from({ length: n }, () => 0);
}
