/**
 * `node --import tsx bench/health-store.ts`: how fast the store takes batches of health
 * snapshots (`commitSnapshots`, one transaction a batch) on SQLite (a temp file) and on a
 * fresh PostgreSQL database, and how long the start-up and paging reads then take. Prints
 * one JSON object per figure, one per line; figures vary run to run.
 *
 * PostgreSQL is AUTONOMIC_TEST_POSTGRES_URL's server (default postgres://postgres@127.0.0.1:5432);
 * --sqlite-only skips it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredHealthSnapshot } from "../src/store/health-store-types.js";
import { openStore } from "../src/store/open-store.js";
import type { Store } from "../src/store/store-types.js";
import { createTestDatabase } from "../test/support/postgres.js";

const KERNELS = 300;
const DIMENSION = 64;
/** Rows written per batch size: enough batches of 10,000 to average over. */
const ROWS_PER_SIZE = 200_000;
const T0 = Date.UTC(2026, 10, 22);

function print(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A batch as the monitor would hand it over: every field set, a 64-entry basin each. */
function batchOf(size: number): StoredHealthSnapshot[] {
  let x = 12345;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  return Array.from({ length: size }, (_, i) => {
    const basin = Float32Array.from({ length: DIMENSION }, next);
    const sum = basin.reduce((a, b) => a + b, 0);
    for (let j = 0; j < DIMENSION; j++) basin[j] = (basin[j] as number) / sum;
    return {
      ...{
        kernel_id: `chaos_bench_${i % KERNELS}`,
        at: 0,
        phi: 0.5 + 0.3 * next(),
        kappa_eff: 60 + 8 * next(),
      },
      ...{
        basin,
        basin_drift: next(),
        regime: "geometric",
        confidence: next(),
        surprise: next(),
        agency: next(),
      },
      ...{
        error_rate: 0.02 * next(),
        avg_latency_ms: 100 + 50 * next(),
        memory_mb: 300,
        cpu_pct: 20 * next(),
      },
      ...{ code_hash: "9f2c1e7", label: null, context: { step: i, task: "summarise" } },
    } satisfies StoredHealthSnapshot;
  });
}

/** Writes ROWS_PER_SIZE snapshots in batches of `size`; times only the commits. */
async function benchCommits(store: Store, size: number, startAt: number): Promise<number> {
  const batch = batchOf(size);
  const batches = ROWS_PER_SIZE / size;
  let at = startAt;
  const stamp = () => {
    for (const s of batch) s.at = at++;
  };
  stamp();
  await store.commitSnapshots(batch); // warm up: statements prepared, JIT
  const perBatchMs: number[] = [];
  for (let b = 0; b < batches; b++) {
    stamp(); // the store reads the batch when called, so reusing it is allowed
    const start = performance.now();
    await store.commitSnapshots(batch);
    perBatchMs.push(performance.now() - start);
  }
  const totalMs = perBatchMs.reduce((a, b) => a + b, 0);
  perBatchMs.sort((a, b) => a - b);
  print({
    bench: "health_commit_snapshots",
    backend: store.backend,
    batch_size: size,
    batches,
    snapshots_per_sec: Math.round((batches * size * 1000) / totalMs),
    ms_per_batch_p50: +(perBatchMs[Math.floor(batches / 2)] as number).toFixed(2),
    ms_per_batch_max: +(perBatchMs[batches - 1] as number).toFixed(2),
  });
  return at;
}

/** The reads that follow: ring buffers at start-up, and a kernel's pages. */
async function benchReads(store: Store): Promise<void> {
  const rows = await store.snapshotCount();
  let start = performance.now();
  const recent = await store.recentSnapshots(100);
  const recentMs = performance.now() - start;
  start = performance.now();
  let page = await store.snapshots({ kernelId: "chaos_bench_7", limit: 1000 });
  let pages = 1;
  for (; pages < 10 && page.length > 0; pages++) {
    const last = page[page.length - 1] as (typeof page)[number];
    page = await store.snapshots({
      kernelId: "chaos_bench_7",
      limit: 1000,
      beforeMs: last.at,
      beforeId: last.id,
    });
  }
  const pageMs = (performance.now() - start) / pages;
  print({
    bench: "health_reads",
    backend: store.backend,
    table_rows: rows,
    kernels: KERNELS,
    recent_snapshots_100_per_kernel_ms: +recentMs.toFixed(1),
    recent_rows: recent.length,
    page_of_1000_ms: +pageMs.toFixed(2),
  });
}

async function benchStore(store: Store): Promise<void> {
  try {
    let at = T0;
    for (const size of [1000, 10_000]) at = await benchCommits(store, size, at);
    await benchReads(store);
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "autonomic-bench-"));
try {
  await benchStore(await openStore(join(dir, "health.db")));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (!process.argv.includes("--sqlite-only")) {
  const pg = await createTestDatabase();
  try {
    await benchStore(await openStore(pg.url));
  } finally {
    await pg.drop();
  }
}
