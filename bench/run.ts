/**
 * `npm run bench`: prints one JSON object per benchmark, one per line. Figures are wall
 * time on this machine and vary run to run; tests never assert on them.
 *
 * Run with --expose-gc (the npm script does) so heap growth is measured after a full GC.
 */
import { readFileSync } from "node:fs";
import { ManualClock } from "../src/core/clock.js";
import { DEFAULT_CONFIG } from "../src/core/config.js";
import { defaultRegistryPath } from "../src/core/registry/default-registry.js";
import { parseRegistry, type Registry } from "../src/core/registry/registry.js";
import { RestScheduler } from "../src/core/rest/scheduler.js";
import { measureAllocation, print } from "./measure.js";

/** The shipped registry with chaos limits raised, so 10,000 kernels can register. */
function benchRegistry(): Registry {
  const text = readFileSync(defaultRegistryPath(), "utf8")
    .replace(/max_chaos_kernels: \d+/, "max_chaos_kernels: 1000000")
    .replace(/per_domain_limit: \d+/, "per_domain_limit: 1000000")
    .replace(/total_active_limit: \d+/, "total_active_limit: 1000000");
  const { registry, errors } = parseRegistry(text, "bench");
  if (!registry) throw new Error(JSON.stringify(errors));
  return registry;
}

function constellation(kernelCount: number) {
  const registry = benchRegistry();
  const clock = new ManualClock(Date.UTC(2026, 10, 22)); // epoch-sized times, as in production
  const rest = new RestScheduler({ registry, config: DEFAULT_CONFIG.rest, clock });
  const ids: string[] = [];
  for (const name of registry.gods.keys()) {
    if (ids.length >= kernelCount) break;
    const id = `${name.toLowerCase()}_1`;
    rest.register(id, name);
    ids.push(id);
  }
  for (let i = 0; ids.length < kernelCount; i++) {
    const id = `chaos_${i}`;
    rest.register(id, `chaos_bench_${i}`, "Athena");
    ids.push(id);
  }
  return { rest, clock, ids };
}

/** Deterministic telemetry, precomputed so the loop measures the scheduler, not Math.random. */
function telemetry(n: number): Float64Array {
  const t = new Float64Array(n * 4);
  let x = 12345;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  for (let i = 0; i < n; i++) {
    t[i * 4] = 0.2 + 0.7 * next(); // some kernels tired enough to trigger a rest
    t[i * 4 + 1] = 50 + 30 * next();
    t[i * 4 + 2] = next();
    t[i * 4 + 3] = 0.05 * next();
  }
  return t;
}

/** One kernel-tick: a fatigue update and a should-rest evaluation. Returns triggers seen (keeps the work alive). */
function runTicks(rest: RestScheduler, ids: string[], t: Float64Array, ticks: number): number {
  let triggered = 0;
  const n = ids.length;
  for (let i = 0; i < ticks; i++) {
    const k = i % n;
    const id = ids[k] as string;
    rest.reportFatigue(
      id,
      t[k * 4] as number,
      t[k * 4 + 1] as number,
      t[k * 4 + 2] as number,
      t[k * 4 + 3] as number,
    );
    if (rest.restTrigger(id) !== "none") triggered++;
  }
  return triggered;
}

function benchKernelTicks(kernels: number, ticks: number): void {
  const { rest, ids } = constellation(kernels);
  const t = telemetry(kernels);
  runTicks(rest, ids, t, Math.min(ticks, 200_000)); // warm up the JIT
  const start = process.hrtime.bigint();
  const triggered = runTicks(rest, ids, t, ticks);
  const ns = Number(process.hrtime.bigint() - start);
  print({
    bench: "kernel_tick",
    what: "fatigue update + should-rest evaluation",
    kernels,
    ticks,
    ns_per_tick: +(ns / ticks).toFixed(1),
    ticks_per_sec: Math.round((ticks / ns) * 1e9),
    triggered,
    original_python_us_per_tick: 19.6,
    target_us_per_tick: 0.5,
  });
}

function benchRequestEnd(pairs: number): void {
  const { rest } = constellation(16);
  const cycle = (n: number) => {
    for (let i = 0; i < n; i++) {
      if (!rest.requestRest("apollo_1").approved) throw new Error("rest refused in bench");
      rest.endRest("apollo_1");
    }
  };
  cycle(20_000);
  const start = process.hrtime.bigint();
  cycle(pairs);
  const ns = Number(process.hrtime.bigint() - start);
  print({
    bench: "request_end_pair",
    what: "requestRest (covered by the designated partner) + endRest, events included",
    kernels: 16,
    pairs,
    ns_per_pair: +(ns / pairs).toFixed(1),
    pairs_per_sec: Math.round((pairs / ns) * 1e9),
    original_python_us_per_pair: 13,
    target_us_per_pair: 1,
  });
}

/**
 * Memory per tick over a million ticks, two ways. Retained: heap used after a full GC,
 * minus before; it must stay flat. Transient: heap used right after the run (no GC forced)
 * minus before, with the collections that started during the run; our tick creates no
 * object, so what shows here is V8 boxing doubles where it chose not to inline a call.
 */
async function benchHeapGrowth(ticks: number): Promise<void> {
  const { rest, ids } = constellation(16);
  const t = telemetry(16);
  // Warm up with several calls, so the loop is optimised as a whole function (not only
  // on-stack replaced), as it is in a long-running server.
  for (let i = 0; i < 10; i++) runTicks(rest, ids, t, 100_000);
  const allocation = await measureAllocation(() => runTicks(rest, ids, t, ticks));
  print({
    bench: "heap_growth",
    what: "memory over 1,000,000 kernel-ticks: retained after a full GC, and transient before it",
    kernels: 16,
    ticks,
    retained_growth_bytes: allocation.retainedBytes,
    transient_bytes_per_tick: +(allocation.transientBytes / ticks).toFixed(4),
    gc_runs_during_ticks: allocation.gcRuns,
  });
}

// Heap first, while the tick loop has seen only one constellation (as a server's would).
await benchHeapGrowth(1_000_000);
benchKernelTicks(16, 5_000_000);
benchKernelTicks(10_000, 5_000_000);
benchRequestEnd(500_000);
