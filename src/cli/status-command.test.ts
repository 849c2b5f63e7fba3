import { describe, expect, it } from "vitest";
import { type ClusterSummary, renderCluster } from "./status-command.js";

const cluster = (over: Partial<ClusterSummary> = {}): ClusterSummary => ({
  backend: "postgres",
  replica_id: "10.0.0.12:7070",
  role: "follower",
  ready: true,
  reason: null,
  leader: { replica_id: "10.0.0.11:7070", since: "2026-12-07T06:00:00.000Z", generation: 3 },
  replicas: [{ live: true }, { live: true }, { live: false }],
  ...over,
});

describe("renderCluster", () => {
  it("says who leads, since when, at which generation, and how many replicas are live", () => {
    expect(renderCluster(cluster())).toBe(
      "cluster: leader 10.0.0.11:7070 since 2026-12-07T06:00:00.000Z (generation 3); 2 of 3 replicas live; this replica 10.0.0.12:7070 follower",
    );
  });

  it("says why the replica asked cannot serve, and when no leader is known", () => {
    const line = renderCluster(
      cluster({
        ready: false,
        reason: "database unreachable: connection terminated",
        leader: { replica_id: null, since: null, generation: 3 },
      }),
    );
    expect(line).toBe(
      "cluster: no leader; 2 of 3 replicas live; this replica 10.0.0.12:7070 NOT READY: database unreachable: connection terminated",
    );
  });

  it("names SQLite's single process", () => {
    expect(renderCluster(cluster({ backend: "sqlite" }))).toBe("cluster: one process (SQLite)");
  });
});
