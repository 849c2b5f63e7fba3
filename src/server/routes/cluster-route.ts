/**
 * `GET /api/cluster` (SPEC §9) as a route, so it is in /openapi.json like every other. On
 * SQLite this route answers it; on PostgreSQL the replica's own HTTP layer answers it first
 * (a follower has no control plane to route through), from the same reply builder.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { OPEN } from "../openapi.js";

export type ClusterReply = () => Promise<{ status: number; body: Record<string, unknown> }>;

const replica = z.looseObject({
  replica_id: z.string(),
  url: z.string(),
  role: z.string(),
  live: z.boolean().nullable(),
  heartbeat_at: z.string().nullable(),
});
const clusterBody = (description: string) =>
  z
    .looseObject({
      backend: z.enum(["sqlite", "postgres"]),
      replica_id: z.string(),
      url: z.string(),
      role: z.string(),
      ready: z.boolean(),
      reason: z.string().nullable(),
      leader: z
        .looseObject({
          replica_id: z.string().nullable(),
          url: z.string().nullable(),
          since: z.string().nullable(),
          generation: z.number().nullable(),
        })
        .nullable(),
      lease_seconds: z.number().nullable(),
      replicas: z.array(replica).nullable(),
    })
    .describe(description);

export function clusterRoute(app: FastifyInstance, reply: ClusterReply): void {
  app.get(
    "/api/cluster",
    {
      schema: {
        tags: ["server"],
        summary:
          "Who leads the cluster, since when, at which generation, and each replica's heartbeat; answered by the replica asked, also the load balancer's health check",
        ...OPEN,
        response: {
          200: clusterBody("This replica can serve: it reaches the database and knows a leader"),
          503: clusterBody(
            "The same body with ready false and the reason: this replica lost its database, knows no leader, or is taking over",
          ),
        },
      },
    },
    async (_request, res) => {
      const { status, body } = await reply();
      return res.code(status as 200 | 503).send(body);
    },
  );
}
