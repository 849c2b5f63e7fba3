/**
 * Fatigue reports over HTTP against the real server (a child process, as `autonomic serve`
 * runs), on SQLite then PostgreSQL: 16 gods registered, then reports from a pool of
 * concurrent keep-alive clients. Each report is a committed write (a fatigue snapshot and
 * the kernel's state in one transaction), so this measures the whole write path.
 * Prints one JSON line per backend. Wall time on this machine; tests never assert on it.
 *
 *   node --import tsx bench/http-fatigue.ts [reports] [concurrency]
 *
 * Needs PostgreSQL at AUTONOMIC_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * without it the PostgreSQL line reports the error instead.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { defaultRegistryPath } from "../src/core/registry/default-registry.js";
import { requireRegistry } from "../src/core/registry/registry.js";
import { startServerProcess } from "../test/support/server-process.js";
import { onEachBackend, percentile, post, round } from "./http-support.js";

const REPORTS = Number(process.argv[2] ?? 5000);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const WARMUP = 500;

/** The shipped registry's gods, each registered once. */
const GODS = [...requireRegistry(defaultRegistryPath()).gods.keys()];

/** Deterministic telemetry, so every run sends the same reports. */
function sample(i: number) {
  const x = (Math.sin(i * 12.9898) * 43758.5453) % 1;
  const u = x < 0 ? x + 1 : x;
  return { phi: 0.3 + 0.6 * u, kappa: 40 + 50 * u, load: u, error_rate: 0.02 * u };
}

/** Sends `count` reports from `concurrency` clients; returns each report's latency in ms. */
async function sendReports(agent: http.Agent, url: URL, count: number, concurrency: number, offset: number) {
  const latencies = new Float64Array(count);
  let next = 0;
  const client = async () => {
    while (next < count) {
      const i = next++;
      const kernel = `${(GODS[(offset + i) % GODS.length] as string).toLowerCase()}_1`;
      const started = performance.now();
      const status = await post(agent, url, `/api/rest/fatigue/${kernel}`, sample(offset + i));
      latencies[i] = performance.now() - started;
      if (status !== 200) throw new Error(`fatigue report ${i} for ${kernel}: HTTP ${status}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

async function bench(backend: string, db: string, config: string): Promise<void> {
  const server = await startServerProcess({ db, args: ["--config", config] });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const url = new URL(server.url);
    for (const god of GODS) {
      const status = await post(agent, url, "/api/rest/kernels", {
        kernel_id: `${god.toLowerCase()}_1`,
        kernel_name: god,
      });
      if (status !== 201) throw new Error(`register ${god}: HTTP ${status}`);
    }
    await sendReports(agent, url, WARMUP, CONCURRENCY, 0);
    const { latencies, seconds } = await sendReports(agent, url, REPORTS, CONCURRENCY, WARMUP);
    latencies.sort();
    process.stdout.write(
      `${JSON.stringify({
        bench: "http_fatigue_report",
        backend,
        reports: REPORTS,
        reports_per_sec: Math.round(REPORTS / seconds),
        p50_ms: round(percentile(latencies, 50), 3),
        p99_ms: round(percentile(latencies, 99), 3),
      })}\n`,
    );
  } finally {
    agent.destroy();
    server.kill("SIGTERM");
    await server.waitForExit();
  }
}

await onEachBackend("http_fatigue_report", bench);
