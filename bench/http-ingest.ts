/**
 * Batched health snapshots over HTTP against the real server (a child process, as
 * `autonomic serve` runs), on a SQLite temp file then a fresh PostgreSQL database:
 * `POST /api/self-healing/snapshots` with batches of 64-entry basins over 100 kernels, a
 * few batches in flight on keep-alive connections. Each batch is parsed, validated,
 * recorded by the monitor and committed in one transaction before its reply, so this
 * measures the whole ingest path. Prints one JSON line per backend. Wall time on this
 * machine; tests never assert on it.
 *
 *   node --import tsx bench/http-ingest.ts [snapshots] [batch_size] [in_flight] [kernels]
 *
 * Defaults: 100,000 snapshots after a 10,000 warm-up, batches of 1,000, 4 in flight, 100
 * kernels. Basins are normalised probabilities written with full double precision, as a
 * client's JSON.stringify writes them. Needs PostgreSQL at AUTONOMIC_TEST_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres); without it the PostgreSQL line
 * reports the error instead.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { startServerProcess } from "../test/support/server-process.js";
import { onEachBackend, percentile, post, round } from "./http-support.js";

const SNAPSHOTS = Number(process.argv[2] ?? 100_000);
const BATCH_SIZE = Number(process.argv[3] ?? 1000);
const IN_FLIGHT = Number(process.argv[4] ?? 4);
const KERNELS = Number(process.argv[5] ?? 100);
const WARMUP_SNAPSHOTS = 10_000;
const DIMENSION = 64;
/** Distinct request bodies, built before timing and sent in turn. */
const PAYLOADS = 16;
const TARGET_PER_SEC: Record<string, number> = { sqlite: 20_000, postgres: 10_000 };

for (const [name, value] of Object.entries({ SNAPSHOTS, BATCH_SIZE, IN_FLIGHT, KERNELS }))
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);

/** A deterministic generator, so every run sends the same bodies. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** One batch body: every kernel reports in turn, each snapshot with a basin near its kernel's own. */
function payload(seed: number): Buffer {
  const next = lcg(seed);
  const snapshots = Array.from({ length: BATCH_SIZE }, (_, i) => {
    const kernel = i % KERNELS;
    const raw = Array.from({ length: DIMENSION }, (_, j) => (j === kernel % DIMENSION ? 4 : 0) + next());
    const sum = raw.reduce((a, b) => a + b, 0);
    return {
      kernel_id: `chaos_bench_${kernel}`,
      phi: 0.72 + 0.1 * next(),
      kappa_eff: 60 + 8 * next(),
      basin_coords: raw.map((v) => v / sum),
      error_rate: 0.01 * next(),
      avg_latency_ms: 100 + 50 * next(),
      memory_mb: 300 + next(),
    };
  });
  return Buffer.from(JSON.stringify({ snapshots }));
}

/** Sends `batches` batches, `IN_FLIGHT` at a time; returns each batch's latency in ms. */
async function sendBatches(agent: http.Agent, url: URL, bodies: Buffer[], batches: number) {
  const latencies = new Float64Array(batches);
  let next = 0;
  const client = async () => {
    while (next < batches) {
      const i = next++;
      const started = performance.now();
      const status = await post(
        agent,
        url,
        "/api/self-healing/snapshots",
        bodies[i % bodies.length] as Buffer,
      );
      latencies[i] = performance.now() - started;
      if (status !== 200) throw new Error(`batch ${i}: HTTP ${status}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, client));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** How many snapshots the server says it holds: a check that every batch was recorded. */
async function recorded(url: URL): Promise<number> {
  const reply = await fetch(new URL("/api/self-healing/health", url));
  const body = (await reply.json()) as { health: { kernels: { snapshots: number }[] } };
  return body.health.kernels.reduce((sum, k) => sum + k.snapshots, 0);
}

async function bench(backend: string, db: string, config: string, bodies: Buffer[]): Promise<void> {
  const server = await startServerProcess({ db, args: ["--config", config] });
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const url = new URL(server.url);
    const warmupBatches = Math.ceil(WARMUP_SNAPSHOTS / BATCH_SIZE);
    const batches = Math.ceil(SNAPSHOTS / BATCH_SIZE);
    await sendBatches(agent, url, bodies, warmupBatches);
    const { latencies, seconds } = await sendBatches(agent, url, bodies, batches);
    const sent = batches * BATCH_SIZE;
    const held = await recorded(url);
    if (held !== (warmupBatches + batches) * BATCH_SIZE)
      throw new Error(`server holds ${held} snapshots, sent ${(warmupBatches + batches) * BATCH_SIZE}`);
    latencies.sort();
    process.stdout.write(
      `${JSON.stringify({
        bench: "http_batch_ingest",
        backend,
        batch_size: BATCH_SIZE,
        in_flight: IN_FLIGHT,
        kernels: KERNELS,
        snapshots: sent,
        seconds: round(seconds, 3),
        snapshots_per_sec: Math.round(sent / seconds),
        p50_batch_ms: round(percentile(latencies, 50), 1),
        p99_batch_ms: round(percentile(latencies, 99), 1),
        body_bytes: bodies[0]?.length,
        target_per_sec: TARGET_PER_SEC[backend],
      })}\n`,
    );
  } finally {
    agent.destroy();
    server.kill("SIGTERM");
    await server.waitForExit();
  }
}

const bodies = Array.from({ length: PAYLOADS }, (_, i) => payload(i + 1));
await onEachBackend("http_batch_ingest", (backend, location, config) =>
  bench(backend, location, config, bodies),
);
