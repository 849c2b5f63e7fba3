/**
 * `autonomic status`: health and rest, per kernel and for the whole constellation, in one
 * table (Φ, κ, drift, severity beside rest status and fatigue), under one line saying who
 * leads the cluster (SPEC §9).
 */
import type { Command } from "commander";
import type { ConstellationHealth, DegradationReport } from "../core/health/reports.js";
import type { ConstellationStatus, KernelStatus } from "../core/rest/status.js";
import { type CommonOptions, clientOf, withClientOptions } from "./client-options.js";
import { apiRequest, type ClientOptions, HttpReplyError } from "./http-client.js";
import { fixed, printJson, table } from "./output.js";

export function registerStatusCommand(program: Command): void {
  withClientOptions(
    program.command("status").description("health and rest of every kernel and of the constellation"),
  ).action(async (options: CommonOptions) => {
    const client = clientOf(options);
    const [{ constellation }, { kernels }, { health }, { degradation }, cluster] = await Promise.all([
      apiRequest<{ constellation: ConstellationStatus }>(client, "GET", "/api/rest/status"),
      apiRequest<{ kernels: KernelStatus[] }>(client, "GET", "/api/rest/kernels"),
      apiRequest<{ health: ConstellationHealth }>(client, "GET", "/api/self-healing/health"),
      apiRequest<{ degradation: { kernels: DegradationReport[] } }>(
        client,
        "GET",
        "/api/self-healing/degradation",
      ),
      clusterOf(client),
    ]);
    if (options.json) return printJson({ cluster, constellation, kernels, health, degradation });
    if (cluster !== null) process.stdout.write(`${renderCluster(cluster)}\n`);
    process.stdout.write(`${renderStatus(constellation, kernels, health)}\n`);
    const issues = degradation.kernels.flatMap((d) =>
      d.findings.map((i) => `  ${d.kernel_id}  ${i.severity}  ${i.rule}: ${i.message}`),
    );
    if (issues.length > 0) process.stdout.write(`\ndegradation:\n${issues.join("\n")}\n`);
  });
}

/** The part of GET /api/cluster the status line shows. */
export interface ClusterSummary {
  backend?: string;
  replica_id: string;
  role: string;
  ready: boolean;
  reason: string | null;
  leader: { replica_id: string | null; since: string | null; generation: number };
  replicas: { live: boolean }[];
}

/**
 * GET /api/cluster, whose 503 (this replica cut off, or no leader) still carries the body to
 * show; null from a server too old to have the route.
 */
async function clusterOf(client: ClientOptions): Promise<ClusterSummary | null> {
  try {
    return await apiRequest<ClusterSummary>(client, "GET", "/api/cluster");
  } catch (err) {
    if (err instanceof HttpReplyError && err.status === 503) return err.reply as unknown as ClusterSummary;
    if (err instanceof HttpReplyError && err.status === 404) return null;
    throw err;
  }
}

/** One line: who leads, since when, how many replicas live, and this replica's own state. */
export function renderCluster(c: ClusterSummary): string {
  if (c.backend === "sqlite") return "cluster: one process (SQLite)";
  const live = c.replicas.filter((r) => r.live).length;
  const leader =
    c.leader.replica_id === null
      ? "no leader"
      : `leader ${c.leader.replica_id} since ${c.leader.since ?? "?"} (generation ${c.leader.generation})`;
  const self = c.ready
    ? `this replica ${c.replica_id} ${c.role}`
    : `this replica ${c.replica_id} NOT READY: ${c.reason}`;
  return `cluster: ${leader}; ${live} of ${c.replicas.length} replicas live; ${self}`;
}

export function renderStatus(
  c: ConstellationStatus,
  kernels: KernelStatus[],
  health: ConstellationHealth,
): string {
  const byId = new Map(health.kernels.map((k) => [k.kernel_id, k]));
  const rest = new Map(kernels.map((k) => [k.kernel_id, k]));
  const ids = [...new Set([...kernels.map((k) => k.kernel_id), ...health.kernels.map((k) => k.kernel_id)])];
  const rows = ids.map((id) => {
    const r = rest.get(id);
    const h = byId.get(id);
    const cover = r?.covered_by ? `by ${r.covered_by}` : r?.covering_for ? `for ${r.covering_for}` : null;
    return [
      id,
      r?.kernel_name,
      h?.status ?? "no data",
      fixed(h?.phi),
      fixed(h?.kappa_eff, 1),
      fixed(h?.basin_drift, 3),
      r?.status ?? "unregistered",
      fixed(r?.fatigue_score),
      cover,
    ];
  });
  const counts = Object.entries(health.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  return [
    `health: ${health.worst} (${counts || "no kernels reporting"}); mean Φ ${fixed(health.mean_phi)}, κ ${fixed(health.mean_kappa, 1)}, drift ${fixed(health.mean_basin_drift, 3)}`,
    `rest: ${c.total_kernels} registered, ${c.active_kernels} active, ${c.resting_kernels} resting, ${c.covering_kernels} covering; average fatigue ${fixed(c.avg_fatigue)}`,
    "",
    table(["kernel", "name", "health", "Φ", "κ", "drift", "rest", "fatigue", "coverage"], rows),
  ].join("\n");
}
