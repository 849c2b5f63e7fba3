/**
 * The reply of `GET /api/cluster` (SPEC §9): who leads, since when, at which generation, and
 * each replica's last heartbeat. 200 when this replica can serve (it reaches the database and
 * knows a leader), else 503 with the same body and the reason, so a load balancer's health
 * check takes a cut-off replica out of rotation.
 */
import type { AutonomicConfig } from "../core/config.js";
import { liveReplicas } from "./cluster-metrics.js";
import type { ClusterView, ReplicaRow } from "./leader-election.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Whether this replica has heard from its database recently enough to vouch for what it
 * serves: the one test behind both this route's 503 and a follower's refusal of writes
 * (cluster-server.ts), so a load balancer that sees 200 here never sends a write that the
 * replica would refuse for its database.
 */
export function databaseFresh(view: ClusterView, now: number, maxReadLagMs: number): boolean {
  return view.databaseReachable && now - view.lastContactAt <= maxReadLagMs;
}

/** Why a replica's database is not fresh, in words: the connection's error, or its silence. */
export function databaseSilence(view: ClusterView, maxReadLagMs: number): string {
  return view.databaseError ?? `no answer for over ${maxReadLagMs} ms`;
}

export async function clusterReply(
  view: ClusterView,
  replicas: () => Promise<ReplicaRow[]>,
  config: AutonomicConfig,
  now: number,
  /** Whether this replica's control plane is open (false while a new leader reloads). */
  leading: boolean,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const rows = view.databaseReachable ? await replicas().catch(() => null) : null;
  const freshMs = config.ha.leaseSeconds * 2000;
  const live = rows === null ? null : new Set(liveReplicas(rows, now, freshMs).map((r) => r.replica_id));
  const reason = !databaseFresh(view, now, config.ha.maxReadLagMs)
    ? `database unreachable: ${databaseSilence(view, config.ha.maxReadLagMs)}`
    : view.leaderUrl === null
      ? "no leader is known"
      : view.role === "leader" && !leading
        ? "taking over: reloading state from the database"
        : null;
  return {
    status: reason === null ? 200 : 503,
    body: {
      backend: "postgres",
      replica_id: view.replicaId,
      url: view.url,
      role: view.role,
      ready: reason === null,
      reason,
      leader: {
        replica_id: view.leaderId,
        url: view.leaderUrl,
        since: iso(view.leaderSince),
        generation: view.clusterGeneration,
      },
      lease_seconds: config.ha.leaseSeconds,
      replicas: (rows ?? []).map((r) => ({
        replica_id: r.replica_id,
        url: r.url,
        role: r.role,
        live: live?.has(r.replica_id) ?? false,
        generation: r.generation,
        started_at: iso(r.started_at),
        heartbeat_at: iso(r.heartbeat_at),
        heartbeat_age_ms: Math.max(0, Math.round(now - r.heartbeat_at)),
        leader_since: iso(r.leader_since),
      })),
    },
  };
}
