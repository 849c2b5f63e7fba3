import { describe, expect, it } from "vitest";
import { type ClusterSummary, clusterLine } from "./cluster-line.js";

const cluster = (over: Partial<ClusterSummary> = {}): ClusterSummary => ({
  backend: "postgres",
  replica_id: "10.0.0.12:7070",
  ready: true,
  reason: null,
  leader: { replica_id: "10.0.0.11:7070", generation: 4 },
  replicas: [{ live: true }, { live: true }, { live: false }],
  ...over,
});

describe("the cluster in the top bar", () => {
  it("names the leader, its generation, and how many replicas are live", () => {
    expect(clusterLine(cluster())).toEqual({
      text: "leader 10.0.0.11:7070 (gen 4) · 2/3 replicas",
      ready: true,
    });
  });

  it("says why the replica serving the page cannot serve", () => {
    const line = clusterLine(
      cluster({ ready: false, reason: "no leader is known", leader: { replica_id: null, generation: 4 } }),
    );
    expect(line).toEqual({
      text: "no leader · 2/3 replicas · 10.0.0.12:7070: no leader is known",
      ready: false,
    });
  });

  it("shows nothing for SQLite's single process or a server without the route", () => {
    expect(clusterLine(cluster({ backend: "sqlite" }))).toBeNull();
    expect(clusterLine(null)).toBeNull();
  });
});
