/**
 * Shared by the in-process benchmarks: one JSON line per result, a forced GC (run node
 * with --expose-gc, as `npm run bench` does), and allocation over one run.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";

export function print(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const exposedGc = (globalThis as { gc?: () => void }).gc;
if (!exposedGc) throw new Error("run with node --expose-gc");
export const gc: () => void = exposedGc;

export interface Allocation {
  /** heapUsed right after the run (no GC forced) minus before. */
  transientBytes: number;
  /** heapUsed after a full GC following the run, minus before: what the run kept. */
  retainedBytes: number;
  /** Collections that started during the run. */
  gcRuns: number;
}

/**
 * Memory over one call of `run`, measured from a freshly collected heap. With no
 * allocation in `run`, no collection starts and the heap does not move.
 */
export async function measureAllocation(run: () => void): Promise<Allocation> {
  const gcStarts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcStarts.push(entry.startTime);
  });
  observer.observe({ entryTypes: ["gc"] });
  gc();
  const from = performance.now();
  const before = process.memoryUsage().heapUsed;
  run();
  const afterRun = process.memoryUsage().heapUsed;
  const to = performance.now();
  gc();
  const afterGc = process.memoryUsage().heapUsed;
  await new Promise((resolve) => setTimeout(resolve, 100)); // GC entries arrive asynchronously
  observer.disconnect();
  return {
    transientBytes: afterRun - before,
    retainedBytes: afterGc - before,
    gcRuns: gcStarts.filter((t) => t >= from && t <= to).length,
  };
}
