/**
 * The cluster in the top bar (SPEC §9): who leads and how many replicas are live, read from
 * GET /api/cluster of the replica that serves the page. Its 503 (that replica cut off from
 * the database, or no leader) still carries the body, whose reason the bar shows.
 */
import { ApiError, authorization, readToken } from "./api.js";

export interface ClusterSummary {
  backend: string;
  replica_id: string;
  ready: boolean;
  reason: string | null;
  leader: { replica_id: string | null; generation: number };
  replicas: { live: boolean }[];
}

export async function readCluster(): Promise<ClusterSummary | null> {
  const response = await fetch("/api/cluster", {
    headers: { accept: "application/json", ...authorization(readToken()) },
  });
  // A server without the route (an older one): no cluster to show.
  if (response.status === 404) return null;
  // Anything else fails like every other read (a 401 makes the page ask for a token).
  if (!response.ok && response.status !== 503)
    throw new ApiError(`/api/cluster: HTTP ${response.status}`, response.status, null);
  return (await response.json()) as ClusterSummary;
}

/** The bar's text; null for SQLite's single process, which has no cluster to speak of. */
export function clusterLine(c: ClusterSummary | null): { text: string; ready: boolean } | null {
  if (c === null || c.backend === "sqlite") return null;
  const live = c.replicas.filter((r) => r.live).length;
  const leader =
    c.leader.replica_id === null ? "no leader" : `leader ${c.leader.replica_id} (gen ${c.leader.generation})`;
  const text = `${leader} · ${live}/${c.replicas.length} replicas`;
  return c.ready ? { text, ready: true } : { text: `${text} · ${c.replica_id}: ${c.reason}`, ready: false };
}
