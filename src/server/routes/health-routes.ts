/**
 * /api/self-healing monitoring routes. As in the original, replies are
 * {success:true, <name>: …} and failures {success:false, error}. Every read takes an
 * optional kernel_id; without it, it describes the whole constellation.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { InvalidInputError } from "../../core/errors.js";
import { kernelIdSchema as kernelId } from "../../core/wire/kernel-id.js";
import type { HealthService } from "../../services/health-service.js";
import type { AccessControl } from "../access.js";
import {
  constellationDegradationReply,
  constellationHealthReply,
  kernelDegradationReply,
  kernelHealthReply,
} from "../replies/health-replies.js";
import { healingErrors, healingReplies } from "../replies/reply-schemas.js";
import { parseInput } from "../validation.js";

const kernelQuery = z.strictObject({ kernel_id: kernelId.optional() });
const snapshotsQuery = z.strictObject({
  kernel_id: kernelId.optional(),
  /** ISO 8601 or epoch seconds. */
  since: z.string().min(1).optional(),
  /** The cursor from the previous page. */
  before: z
    .string()
    .regex(/^\d+(\.\d+)?:\d+$/, "must be the next_cursor of a previous page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const batchBody = z.strictObject({ snapshots: z.unknown() });
/** Without kernel_id, the `default` kernel's (as a snapshot without one); without a basin, its newest. */
const baselineBody = z.strictObject({
  kernel_id: kernelId.optional(),
  basin_coords: z.array(z.unknown()).optional(),
  basin_encoding: z.enum(["simplex", "embedding"]).optional(),
});

export function healthRoutes(app: FastifyInstance, health: HealthService, access: AccessControl): void {
  const now = () => health.now();
  app.post(
    "/api/self-healing/snapshot",
    {
      schema: {
        tags: ["health"],
        summary: "Report one health snapshot (kernel token); the reply carries the kernel's directive",
        description:
          "phi and kappa_eff are required; the other fields of SPEC §4's snapshot are optional. Without kernel_id the snapshot is the `default` kernel's.",
        body: z
          .looseObject({ kernel_id: kernelId.optional(), phi: z.number(), kappa_eff: z.number() })
          .describe("A health snapshot (SPEC §4)"),
        response: { 200: healingReplies.snapshot, ...healingErrors },
      },
    },
    async (request) => {
      access.requireKernel(request, snapshotKernelIds([request.body ?? {}]));
      const { snapshot, directive, warnings } = await health.ingest(request.body ?? {});
      return { success: true, snapshot, directive, warnings };
    },
  );

  app.post(
    "/api/self-healing/snapshots",
    {
      schema: {
        tags: ["health"],
        summary:
          "Report a batch {snapshots:[…]} (kernel token), all or nothing; a bad item is named snapshots[i].field",
        body: batchBody,
        response: { 200: healingReplies.snapshotBatch, ...healingErrors },
      },
    },
    async (request) => {
      access.require(request, "kernel");
      const body = parseInput(batchBody, request.body, "body");
      // A kernel-scoped token must own every item: a batch may mix kernels.
      access.requireKernel(request, snapshotKernelIds(Array.isArray(body.snapshots) ? body.snapshots : []));
      const { snapshots, directives, warnings } = await health.ingestBatch(body.snapshots);
      const kernels = Object.keys(directives);
      return {
        success: true,
        snapshots: { count: snapshots.length, items: snapshots },
        ...(kernels.length === 1 ? { directive: directives[kernels[0] as string] } : {}),
        directives,
        warnings,
      };
    },
  );

  app.get(
    "/api/self-healing/health",
    {
      schema: {
        tags: ["health"],
        summary: "Health of one kernel (?kernel_id) or of the constellation",
        querystring: kernelQuery,
        response: { 200: healingReplies.health, ...healingErrors },
      },
    },
    async (request) => {
      const { kernel_id } = parseInput(kernelQuery, request.query, "query");
      return {
        success: true,
        health: kernel_id
          ? kernelHealthReply(health.health(kernel_id))
          : constellationHealthReply(health.constellation(), health.degradedKernels()),
      };
    },
  );

  app.get(
    "/api/self-healing/degradation",
    {
      schema: {
        tags: ["health"],
        summary: "Degradation findings with their measured values",
        querystring: kernelQuery,
        response: { 200: healingReplies.degradation, ...healingErrors },
      },
    },
    async (request) => {
      const { kernel_id } = parseInput(kernelQuery, request.query, "query");
      return {
        success: true,
        degradation: kernel_id
          ? kernelDegradationReply(health.degradation(kernel_id), now())
          : constellationDegradationReply(health.allDegradation(), now()),
      };
    },
  );

  app.get(
    "/api/self-healing/trends",
    {
      schema: {
        tags: ["health"],
        summary: "Least-squares slopes per snapshot over the window",
        querystring: kernelQuery,
        response: { 200: healingReplies.trends, ...healingErrors },
      },
    },
    async (request) => {
      const { kernel_id } = parseInput(kernelQuery, request.query, "query");
      const ids = kernel_id ? [kernel_id] : health.kernelIds();
      const trends = ids.map((id) => health.trends(id));
      return { success: true, trends: kernel_id ? trends[0] : { kernels: trends } };
    },
  );

  app.get(
    "/api/self-healing/snapshots",
    {
      schema: {
        tags: ["health"],
        summary: "Stored snapshots, newest first, a page at a time",
        querystring: snapshotsQuery,
        response: { 200: healingReplies.snapshots, ...healingErrors },
      },
    },
    async (request) => {
      const q = parseInput(snapshotsQuery, request.query, "query");
      const limit = q.limit ?? 100;
      const [beforeMs, beforeId] = q.before ? q.before.split(":").map(Number) : [undefined, undefined];
      const rows = await health.snapshots({
        kernelId: q.kernel_id,
        sinceMs: q.since === undefined ? undefined : parseSince(q.since),
        beforeMs,
        beforeId,
        limit,
      });
      const last = rows[rows.length - 1];
      return {
        success: true,
        snapshots: rows.map((r) => ({
          ...r,
          basin: r.basin ? Array.from(r.basin) : null,
          timestamp: new Date(r.at).toISOString(),
        })),
        next_cursor: rows.length === limit && last ? `${last.at}:${last.id}` : null,
      };
    },
  );

  app.post(
    "/api/self-healing/baseline",
    {
      schema: {
        tags: ["health"],
        summary: "Set a kernel's baseline basin (kernel token)",
        body: baselineBody,
        response: { 200: healingReplies.baseline, ...healingErrors },
      },
    },
    async (request) => {
      access.require(request, "kernel");
      const body = parseInput(baselineBody, request.body, "body");
      const kernelId = body.kernel_id ?? "default";
      access.requireKernel(request, [kernelId]);
      const baseline = await health.setBaseline(kernelId, body.basin_coords, body.basin_encoding);
      return { success: true, message: "Baseline updated", baseline };
    },
  );
}

/**
 * The kernel each snapshot reports for, as the snapshot path reads it: its kernel_id, or
 * "default" without one. An item whose kernel_id is not a string is left to the snapshot's
 * own validation (a 400 that changes nothing).
 */
function snapshotKernelIds(items: readonly unknown[]): string[] {
  // A plain loop: V8's flatMap cost a single snapshot's request about 1.5 % of its CPU.
  const ids: string[] = [];
  for (const item of items) {
    if (typeof item !== "object" || item === null) continue;
    const id = (item as { kernel_id?: unknown }).kernel_id;
    if (id === undefined || id === null) ids.push("default");
    else if (typeof id === "string") ids.push(id);
  }
  return ids;
}

/**
 * ISO 8601 or epoch seconds → clock ms; anything else is a 400 on "since", a date that does
 * not exist (2026-02-31, which Date.parse would read as March 3) included.
 */
export function parseSince(value: string): number {
  // Strict: a date-time needs its zone, or its meaning would depend on the server's.
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):?(\d{2})))?$/;
  const invalid = () => new InvalidInputError("since", "must be an ISO 8601 time or epoch seconds");
  if (/^\d+(\.\d+)?$/.test(value)) {
    const ms = Number(value) * 1000;
    if (!Number.isFinite(ms)) throw invalid();
    return ms;
  }
  const match = iso.exec(value);
  if (match === null) throw invalid();
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, zoneHour = 0, zoneMinute = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const exists =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    zoneHour <= 23 &&
    zoneMinute <= 59;
  if (!exists) throw new InvalidInputError("since", `${value} is not a date that exists`);
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid();
  return ms;
}
