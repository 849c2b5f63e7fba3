/**
 * Threshold calibration (`GET /api/self-healing/calibration`) and the impact report
 * (`GET /api/report`): reads only, any token (the read guard). Both take `since` (a length
 * back from now such as `7d`, `24h`, `90m`, or an ISO 8601 time or epoch seconds) and an
 * optional `until` (the same forms; default now); calibration also takes `kernel_id`.
 * Replies: `{success:true, calibration}` and `{success:true, report}`.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Clock } from "../../core/clock.js";
import { InvalidInputError, UnknownKernelError } from "../../core/errors.js";
import { kernelIdSchema } from "../../core/wire/kernel-id.js";
import type { ImpactService } from "../../services/impact-service.js";
import { healingErrors } from "../replies/reply-schemas.js";
import { parseInput } from "../validation.js";
import { parseSince } from "./health-routes.js";

const spanQuery = z.strictObject({
  since: z.string().min(1).max(64).optional(),
  until: z.string().min(1).max(64).optional(),
});
const calibrationQuery = spanQuery.extend({ kernel_id: kernelIdSchema.optional() });

/** The replies, for /openapi.json (documentation only: the handlers' objects go out as they are). */
const calibrationReply = z
  .looseObject({
    success: z.literal(true),
    calibration: z
      .looseObject({
        from_at: z.string(),
        to_at: z.string(),
        days: z.number(),
        kernels: z.number(),
        snapshots: z.number(),
        incidents: z.unknown(),
        rules: z.unknown(),
        config: z.unknown(),
      })
      .describe(
        "Per rule and candidate threshold: alerts per day, incidents caught, false positives; the suggestion per rule and per kernel; the config layer applying them",
      ),
  })
  .describe("Threshold calibration over the span");
const reportReply = z
  .looseObject({
    success: z.literal(true),
    report: z
      .looseObject({
        from_at: z.string(),
        to_at: z.string(),
        incidents: z.unknown(),
        patches: z.unknown(),
        time_to_detect_seconds: z.unknown(),
        time_to_heal_seconds: z.unknown(),
        reviews: z.unknown(),
        critical_share: z.unknown(),
        rests: z.unknown(),
        estimate: z
          .unknown()
          .describe("null unless report.minutesPerIncident is set; then labelled an estimate"),
        weeks: z.array(z.unknown()),
      })
      .describe("Measured numbers only"),
  })
  .describe("The impact report over the span");

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A length back from `now` (`7d`, `24h`, `90m`, `30s`, `2w`), or an instant (ISO 8601 or
 * epoch seconds), as clock ms; anything else is a 400 naming `field`.
 * @example parseSpanBound("7d", now, "since") // now − 7 days
 */
export function parseSpanBound(value: string, nowMs: number, field: string): number {
  const length = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value);
  if (length) return nowMs - Number(length[1]) * (UNIT_MS[length[2] as string] as number);
  try {
    return parseSince(value);
  } catch (err) {
    if (err instanceof InvalidInputError)
      throw new InvalidInputError(
        field,
        `must be a length back from now (7d, 24h, 90m, 30s, 2w), an ISO 8601 time or epoch seconds; got "${value}"`,
      );
    throw err;
  }
}

export function impactRoutes(app: FastifyInstance, impact: ImpactService, clock: Clock): void {
  const span = (q: { since?: string; until?: string }, defaultSince: string) => {
    const now = clock.now();
    const untilMs = q.until === undefined ? now : parseSpanBound(q.until, now, "until");
    const sinceMs = parseSpanBound(q.since ?? defaultSince, untilMs, "since");
    return { sinceMs, untilMs };
  };

  app.get(
    "/api/self-healing/calibration",
    {
      schema: {
        tags: ["healing"],
        summary:
          "Threshold calibration (reads only): stored snapshots replayed under a grid of thresholds per rule, with a suggestion per rule and per kernel (?since default 7d, ?until, ?kernel_id; 404 for an unknown kernel)",
        querystring: calibrationQuery,
        response: { 200: calibrationReply, ...healingErrors },
      },
    },
    async (request) => {
      const q = parseInput(calibrationQuery, request.query, "query");
      const calibration = await impact.calibration({
        ...span(q, "7d"),
        ...(q.kernel_id ? { kernelId: q.kernel_id } : {}),
      });
      if (q.kernel_id && calibration.kernels === 0) throw new UnknownKernelError(q.kernel_id);
      return { success: true, calibration };
    },
  );

  app.get(
    "/api/report",
    {
      schema: {
        tags: ["healing"],
        summary:
          "The impact report (reads only): incidents detected, healed, escalated; time to detect and heal; reviews; critical kernel-time; rests; week by week (?since default 30d, ?until)",
        querystring: spanQuery,
        response: { 200: reportReply, ...healingErrors },
      },
    },
    async (request) => {
      const q = parseInput(spanQuery, request.query, "query");
      return { success: true, report: await impact.report(span(q, "30d")) };
    },
  );
}
