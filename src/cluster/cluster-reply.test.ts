import { describe, expect, it } from "vitest";
import { buildConfig } from "../core/config.js";
import { clusterReply, databaseFresh, databaseSilence } from "./cluster-reply.js";
import type { ClusterView } from "./leader-election.js";

const NOW = 1_800_000_000_000;
const LAG = 1000;

function view(over: Partial<ClusterView> = {}): ClusterView {
  return {
    replicaId: "127.0.0.1:7071",
    url: "http://127.0.0.1:7071",
    role: "follower",
    generation: null,
    leaderId: "127.0.0.1:7070",
    leaderUrl: "http://127.0.0.1:7070",
    leaderSince: NOW - 60_000,
    clusterGeneration: 3,
    databaseReachable: true,
    databaseError: null,
    lastContactAt: NOW,
    ...over,
  };
}

describe("a replica's database freshness", () => {
  it("holds while the database answered within the lag bound, and not once it is cut or silent", () => {
    expect(databaseFresh(view({ lastContactAt: NOW - LAG }), NOW, LAG)).toBe(true);
    expect(databaseFresh(view({ lastContactAt: NOW - LAG - 1 }), NOW, LAG)).toBe(false);
    expect(databaseFresh(view({ databaseReachable: false }), NOW, LAG)).toBe(false);
    expect(databaseSilence(view({ databaseError: "Connection terminated" }), LAG)).toBe(
      "Connection terminated",
    );
    expect(databaseSilence(view({ lastContactAt: 0 }), LAG)).toBe("no answer for over 1000 ms");
  });

  it("decides /api/cluster's 503 exactly where it decides a follower's refusal of writes", async () => {
    const config = buildConfig({ ha: { maxReadLagMs: LAG } });
    for (const contact of [NOW, NOW - LAG, NOW - LAG - 1, 0]) {
      const v = view({ lastContactAt: contact });
      const reply = await clusterReply(v, async () => [], config, NOW, false);
      expect(reply.status === 200, `contact ${NOW - contact} ms ago`).toBe(databaseFresh(v, NOW, LAG));
    }
  });
});
