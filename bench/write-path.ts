/**
 * The write path against its HTTP ceiling (issue 15), on the real server (a child process,
 * as `autonomic serve` runs) on SQLite, then on a fresh PostgreSQL database. The 16
 * shipped gods are registered; then, with `concurrency` keep-alive clients one request in
 * flight each, after a warm-up, a fixed number of requests per route (more for the
 * ceiling, which is an order of magnitude faster), split into `rounds` slices that run
 * interleaved (round 1: a slice of each route in this order, then round 2, …), so that every
 * route is measured over the same stretches of a machine whose speed drifts:
 *
 * - ceiling  `GET /api/rest/status/:kernel_id`: what HTTP and JSON cost here, no store;
 * - fatigue  `POST /api/rest/fatigue/:kernel_id`: a committed fatigue report;
 * - snapshot `POST /api/self-healing/snapshot`: one snapshot with a 64-entry basin;
 * - batch    `POST /api/self-healing/snapshots`: 500 such snapshots a request, counted
 *            in snapshots.
 *
 * Prints one JSON line per route and backend. A write route carries `per_second`,
 * `per_second_by_round` (its slowest and fastest round),
 * `ratio_of_ceiling` (its per_second over the ceiling of the same server and rounds), p50/p99
 * latency, and, where issue 15 sets one, its `goal` and `meets_goal`. Bodies are
 * serialised before timing and the client reads replies only as far as their length
 * (bench/load-client.ts), so the client takes little of the cores it shares with the
 * server. Wall time on this machine; tests never assert on it.
 *
 *   node --import tsx bench/write-path.ts [--requests 20000] [--ceiling-requests 50000]
 *     [--warmup 5000] [--concurrency 8] [--batches 100] [--batch-warmup 10] [--batch-size 500] [--rounds 5] [--backends sqlite,postgres]
 *     [--routes ceiling,fatigue,snapshot,batch] [--client raw|agent] [--built] [--cpu-prof DIR]
 *
 * Every option may also come from the environment as WRITE_BENCH_<NAME> (e.g.
 * WRITE_BENCH_CONCURRENCY=16); a flag wins. --built runs dist/cli/main.js (after `npm run
 * build`) instead of the source through tsx; --cpu-prof writes the server's CPU profile
 * into DIR when it stops (read it with bench/profile-top.ts; with --built it maps back to
 * src/). Needs PostgreSQL at AUTONOMIC_TEST_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres); without it the PostgreSQL line reports the
 * error instead.
 */
import http from "node:http";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { defaultRegistryPath } from "../src/core/registry/default-registry.js";
import { requireRegistry } from "../src/core/registry/registry.js";
import { startServerProcess } from "../test/support/server-process.js";
import { type Backend, onEachBackend, percentile, post, round } from "./http-support.js";
import { type ClientKind, drive, openClients, type PreparedRequest, prepare } from "./load-client.js";

const ROUTES = ["ceiling", "fatigue", "snapshot", "batch"] as const;
type Route = (typeof ROUTES)[number];

const ROUTE_NAMES: Record<Route, string> = {
  ceiling: "GET /api/rest/status/:kernel_id",
  fatigue: "POST /api/rest/fatigue/:kernel_id",
  snapshot: "POST /api/self-healing/snapshot",
  batch: "POST /api/self-healing/snapshots",
};

/** Issue 15's goals: a share of the same run's ceiling, or a floor in per_second. */
type Goal = { min_ratio_of_ceiling: number } | { min_per_second: number };
const GOALS: Partial<Record<Route, Partial<Record<Backend, Goal>>>> = {
  fatigue: { sqlite: { min_ratio_of_ceiling: 0.5 }, postgres: { min_per_second: 5000 } },
  snapshot: { sqlite: { min_ratio_of_ceiling: 0.5 } },
  // The issue measured and set this floor on SQLite; PostgreSQL's batches have no goal of their own.
  batch: { sqlite: { min_per_second: 20_000 } },
};

const options = readOptions();
const BASIN_DIMENSION = 64;
/** Distinct bodies per single-request route, built before timing and sent in turn. */
const POOL = 1024;
/** Distinct batch bodies (each about 0.7 MB). */
const BATCH_POOL = 8;
/** Kernels the batches report for (not registered: the monitor takes any kernel_id). */
const BATCH_KERNELS = 100;

/** The shipped registry's gods, each registered once as `<name>_1`. */
const KERNELS = [...requireRegistry(defaultRegistryPath()).gods.keys()].map((god) => ({
  id: `${god.toLowerCase()}_1`,
  name: god,
}));

function readOptions() {
  const names = {
    requests: "20000",
    "ceiling-requests": "50000",
    warmup: "5000",
    concurrency: "8",
    batches: "100",
    "batch-warmup": "10",
    "batch-size": "500",
    rounds: "5",
    backends: "sqlite,postgres",
    routes: ROUTES.join(","),
    client: "raw",
    "cpu-prof": "",
  } as const;
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(names).map((name) => [name, { type: "string" as const }])),
      built: { type: "boolean" },
    },
  });
  const flags = values as Record<string, string | boolean | undefined>;
  const value = (name: keyof typeof names): string =>
    (flags[name] as string | undefined) ??
    process.env[`WRITE_BENCH_${name.toUpperCase().replace("-", "_")}`] ??
    names[name];
  const count = (name: keyof typeof names): number => {
    const n = Number(value(name));
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const list = <T extends string>(name: keyof typeof names, allowed: readonly T[]): T[] => {
    const items = value(name).split(",").filter(Boolean);
    for (const item of items)
      if (!allowed.includes(item as T))
        throw new Error(`--${name}: ${item} is not one of ${allowed.join(", ")}`);
    return items as T[];
  };
  const client = value("client");
  if (client !== "raw" && client !== "agent") throw new Error("--client must be raw or agent");
  return {
    requests: count("requests"),
    ceilingRequests: count("ceiling-requests"),
    warmup: count("warmup"),
    concurrency: count("concurrency"),
    batches: count("batches"),
    batchWarmup: count("batch-warmup"),
    batchSize: count("batch-size"),
    rounds: count("rounds"),
    backends: list<Backend>("backends", ["sqlite", "postgres"]),
    routes: list<Route>("routes", ROUTES),
    client: client as ClientKind,
    cpuProfDir: value("cpu-prof") === "" ? undefined : resolve(value("cpu-prof")),
    built: flags.built === true || process.env.WRITE_BENCH_BUILT === "1",
  };
}

/** A deterministic generator, so every run sends the same bodies. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** A 64-entry basin near kernel `k`'s own (one heavy coordinate), normalised as a client would. */
function basin(k: number, next: () => number): number[] {
  const raw = Array.from({ length: BASIN_DIMENSION }, (_, j) => (j === k % BASIN_DIMENSION ? 4 : 0) + next());
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((v) => v / sum);
}

function snapshotBody(kernelId: string, k: number, next: () => number) {
  return {
    kernel_id: kernelId,
    phi: 0.72 + 0.1 * next(),
    kappa_eff: 60 + 8 * next(),
    basin_coords: basin(k, next),
    error_rate: 0.01 * next(),
    avg_latency_ms: 100 + 50 * next(),
  };
}

/** Each route's requests, serialised before timing; the kernels are taken in turn. */
function requestsFor(route: Route, url: URL): PreparedRequest[] {
  const next = lcg(7);
  const kernel = (i: number) => KERNELS[i % KERNELS.length] as { id: string };
  switch (route) {
    case "ceiling":
      return KERNELS.map((k) => prepare(url, "GET", `/api/rest/status/${k.id}`));
    case "fatigue":
      return Array.from({ length: POOL }, (_, i) => {
        const u = next();
        return prepare(url, "POST", `/api/rest/fatigue/${kernel(i).id}`, {
          phi: 0.3 + 0.6 * u,
          kappa: 40 + 50 * u,
          load: u,
          error_rate: 0.02 * u,
        });
      });
    case "snapshot":
      return Array.from({ length: POOL }, (_, i) =>
        prepare(url, "POST", "/api/self-healing/snapshot", snapshotBody(kernel(i).id, i, next)),
      );
    case "batch":
      return Array.from({ length: BATCH_POOL }, () => {
        const snapshots = Array.from({ length: options.batchSize }, (_, i) =>
          snapshotBody(`chaos_bench_${i % BATCH_KERNELS}`, i % BATCH_KERNELS, next),
        );
        return prepare(url, "POST", "/api/self-healing/snapshots", { snapshots });
      });
  }
}

async function register(url: URL): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const k of KERNELS) {
      const status = await post(agent, url, "/api/rest/kernels", { kernel_id: k.id, kernel_name: k.name });
      if (status !== 201) throw new Error(`register ${k.id}: HTTP ${status}`);
    }
  } finally {
    agent.destroy();
  }
}

function goalOf(route: Route, backend: Backend, perSecond: number, ratio: number | null) {
  const goal = GOALS[route]?.[backend];
  if (!goal) return { goal: null, meets_goal: null };
  if ("min_per_second" in goal) return { goal, meets_goal: perSecond >= goal.min_per_second };
  return { goal, meets_goal: ratio === null ? null : ratio >= goal.min_ratio_of_ceiling };
}

interface ServerCounters {
  cpuSeconds: number;
  groups: number;
  groupWrites: number;
}

/** The server's own CPU seconds and group-commit counters, read from /metrics. */
async function serverCounters(url: URL): Promise<ServerCounters> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  const sum = (name: string): number => {
    let total = 0;
    for (const line of text.split("\n"))
      if (line.startsWith(name) && (line[name.length] === " " || line[name.length] === "{"))
        total += Number(line.slice(line.lastIndexOf(" ") + 1));
    return total;
  };
  return {
    cpuSeconds: sum("autonomic_process_cpu_seconds_total"),
    groups: sum("autonomic_write_groups_total"),
    groupWrites: sum("autonomic_write_group_writes_total"),
  };
}

/** Writes per committed group over the timed slices (null when nothing was grouped). */
function meanGroupOf(slices: readonly { before: ServerCounters; after: ServerCounters }[]): number | null {
  let groups = 0;
  let writes = 0;
  for (const { before, after } of slices) {
    groups += after.groups - before.groups;
    writes += after.groupWrites - before.groupWrites;
  }
  return groups > 0 ? round(writes / groups, 2) : null;
}

/** Round `i` of `rounds`' share of `count` (the remainder goes to the first rounds). */
function sliceOf(count: number, rounds: number, i: number): number {
  return Math.floor(count / rounds) + (i < count % rounds ? 1 : 0);
}

function rateOfSlice(slice: { latencies: Float64Array; seconds: number }, perRequest: number): number {
  return Math.round((slice.latencies.length * perRequest) / slice.seconds);
}

/** How many snapshots the server says it holds: a check that every one sent was recorded. */
async function recorded(url: URL): Promise<number> {
  const reply = await fetch(new URL("/api/self-healing/health", url));
  const body = (await reply.json()) as { health: { kernels: { snapshots: number }[] } };
  return body.health.kernels.reduce((sum, k) => sum + k.snapshots, 0);
}

async function bench(backend: Backend, db: string, config: string): Promise<void> {
  const server = await startServerProcess({
    db,
    args: ["--config", config],
    built: options.built,
    nodeArgs: options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : [],
  });
  const url = new URL(server.url);
  const clients = await openClients(options.client, url, options.concurrency);
  try {
    await register(url);
    const routes = ROUTES.filter((route) => options.routes.includes(route));
    const plans = routes.map((route) => {
      const batch = route === "batch";
      const count = batch
        ? options.batches
        : route === "ceiling"
          ? options.ceilingRequests
          : options.requests;
      return {
        route,
        batch,
        count,
        requests: requestsFor(route, url),
        perRequest: batch ? options.batchSize : 1,
        slices: [] as {
          latencies: Float64Array;
          seconds: number;
          before: ServerCounters;
          after: ServerCounters;
        }[],
      };
    });
    let snapshotsSent = 0;
    for (const plan of plans) {
      const warmup = plan.batch ? options.batchWarmup : options.warmup;
      await drive(clients, plan.requests, warmup);
      if (plan.route === "snapshot" || plan.batch) snapshotsSent += warmup * plan.perRequest;
    }
    // Interleaved: round after round, each route runs a slice of its requests, so the ceiling
    // and the write routes are measured over the same stretches of this machine's time (its
    // speed drifts by half within a minute on a shared VM).
    let counters: ServerCounters | null = null;
    for (let round_ = 0; round_ < options.rounds; round_++)
      for (const plan of plans) {
        const n = sliceOf(plan.count, options.rounds, round_);
        if (n === 0) continue;
        // One scrape between two slices: its counters end the one and begin the next.
        const before = counters ?? (await serverCounters(url));
        const { latencies, seconds } = await drive(clients, plan.requests, n);
        counters = await serverCounters(url);
        plan.slices.push({ latencies, seconds, before, after: counters });
        if (plan.route === "snapshot" || plan.batch) snapshotsSent += n * plan.perRequest;
      }
    const secondsOf = (plan: (typeof plans)[number]) => plan.slices.reduce((sum, x) => sum + x.seconds, 0);
    const rateOf = (plan: (typeof plans)[number]) =>
      Math.round((plan.count * plan.perRequest) / secondsOf(plan));
    const ceilingPlan = plans.find((p) => p.route === "ceiling");
    const ceiling = ceilingPlan ? rateOf(ceilingPlan) : null;
    for (const plan of plans) {
      const { route, batch, count, perRequest, slices } = plan;
      const seconds = secondsOf(plan);
      const latencies = Float64Array.from(slices.flatMap((x) => [...x.latencies])).sort();
      const cpuSeconds = slices.reduce((sum, x) => sum + x.after.cpuSeconds - x.before.cpuSeconds, 0);
      const perSecond = Math.round((count * perRequest) / seconds);
      const ratio = route === "ceiling" || ceiling === null ? null : round(perSecond / ceiling, 3);
      process.stdout.write(
        `${JSON.stringify({
          bench: "write_path",
          backend,
          route: ROUTE_NAMES[route],
          concurrency: options.concurrency,
          requests: count,
          rounds: slices.length,
          ...(batch
            ? { batch_size: options.batchSize, requests_per_second: Math.round(count / seconds) }
            : {}),
          seconds: round(seconds, 3),
          unit: batch ? "snapshots" : "requests",
          per_second: perSecond,
          // The slowest and fastest round: how much this machine's speed moved meanwhile.
          per_second_by_round: [
            Math.min(...slices.map((x) => rateOfSlice(x, perRequest))),
            Math.max(...slices.map((x) => rateOfSlice(x, perRequest))),
          ],
          ...(route === "ceiling" ? {} : { ratio_of_ceiling: ratio }),
          p50_ms: round(percentile(latencies, 50), 3),
          p99_ms: round(percentile(latencies, 99), 3),
          // CPU the server process (all its threads) spent per unit: steadier than the rate
          // on a busy machine, and the part of the cost the server can change.
          server_cpu_us: round((cpuSeconds * 1e6) / (count * perRequest), 1),
          ...(route === "ceiling" ? {} : { mean_group: meanGroupOf(slices) }),
          ...(route === "ceiling" ? {} : goalOf(route, backend, perSecond, ratio)),
          body_bytes: plan.requests[0]?.body?.length ?? 0,
          client: options.client,
        })}\n`,
      );
    }
    const held = snapshotsSent > 0 ? await recorded(url) : 0;
    if (held !== snapshotsSent) throw new Error(`server holds ${held} snapshots, sent ${snapshotsSent}`);
  } finally {
    for (const client of clients) client.close();
    server.kill("SIGTERM");
    const status = await server.waitForExit(60_000);
    if (options.cpuProfDir && status.code !== 0)
      process.stderr.write(`server exited with ${JSON.stringify(status)}: no CPU profile\n`);
  }
}

await onEachBackend("write_path", bench, options.backends);
