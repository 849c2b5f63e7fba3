/**
 * The cluster's gauges (SPEC §9): `autonomic_leader` is 1 on the replica that leads, and
 * `autonomic_replicas` counts the replicas whose heartbeat is fresh (within twice the lease).
 * The leader serves them beside all its other metrics; a follower serves only these.
 */
import { Gauge, type Registry } from "prom-client";
import type { ClusterView, ReplicaRow } from "./leader-election.js";

export interface ClusterMetricsSource {
  view(): ClusterView;
  replicas(): Promise<ReplicaRow[]>;
  /** Heartbeats older than this (ms) count as gone. */
  freshMs: number;
  now(): number;
}

export function clusterMetrics(registry: Registry, source: ClusterMetricsSource): void {
  clusterGauges(
    registry,
    () => (source.view().role === "leader" ? 1 : 0),
    async () => {
      const rows = await source.replicas().catch(() => null);
      return rows === null ? null : liveReplicas(rows, source.now(), source.freshMs).length;
    },
  );
}

/** The replicas still running: heartbeat fresh and not stopped. */
export function liveReplicas(rows: ReplicaRow[], now: number, freshMs: number): ReplicaRow[] {
  return rows.filter((r) => r.role !== "stopped" && now - r.heartbeat_at <= freshMs);
}

/**
 * The same gauges for a server on SQLite, which is one process (SPEC §9): it leads, alone,
 * for as long as it runs. So the leadership alert rules read the same series on either engine.
 */
export function singleProcessClusterMetrics(registry: Registry): void {
  clusterGauges(
    registry,
    () => 1,
    async () => 1,
  );
}

/** Both gauges, defined once; `replicas` gives null when it cannot tell (the gauge keeps its last value). */
function clusterGauges(
  registry: Registry,
  leader: () => number,
  replicas: () => Promise<number | null>,
): void {
  new Gauge({
    name: "autonomic_leader",
    help: "1 on the replica that leads the cluster, else 0",
    registers: [registry],
    collect() {
      this.set(leader());
    },
  });
  new Gauge({
    name: "autonomic_replicas",
    help: "Replicas whose heartbeat is fresh (within twice ha.leaseSeconds)",
    registers: [registry],
    async collect() {
      const live = await replicas();
      if (live !== null) this.set(live);
    },
  });
}
