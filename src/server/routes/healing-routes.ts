/**
 * The self-healing routes under /api/self-healing (SPEC §5, §6): the loop (heal, start,
 * stop, status), human review of patches, sandbox runs on demand, the phases with their
 * gates, and alerts. Replies are {success:true, <name>: …}; failures go through the error
 * handler ({success:false, error, code}): 400 naming the field, 404 for an unknown patch,
 * 409 for a refusal (a patch not waiting for review, an unmet gate).
 *
 * Operator actions need an operator token when tokens are configured, reads any token (the
 * read guard). The operator is named by the optional `X-Autonomic-Actor` header (default
 * "operator") and recorded on every move as `user:<name>`, `system` included.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AutonomicConfig } from "../../core/config.js";
import { ConflictError, InvalidInputError, UnknownPatchError } from "../../core/errors.js";
import type { Patch } from "../../core/healing/patch.js";
import { patchRecord } from "../../core/healing/patch-record.js";
import { type GateCriterion, type HealingPhase, PHASE_NAMES } from "../../core/healing/phases.js";
import type { AlertService } from "../../services/alert-service.js";
import type { HealingService } from "../../services/healing-service.js";
import type { HealthService } from "../../services/health-service.js";
import type { HealingStore } from "../../store/healing-store-types.js";
import type { AccessControl } from "../access.js";
import { OPERATOR } from "../openapi.js";
import { compatStatus, historyEntries } from "../replies/healing-replies.js";
import { healingErrors, healingReplies } from "../replies/reply-schemas.js";
import { parseInput } from "../validation.js";
import { personActing } from "./actor.js";
import {
  actorHeaders,
  advancePhaseBody,
  alertsQuery,
  approveBody,
  evaluatePatchBody,
  historyQuery,
  kernelQuery,
  noOptionsBody,
  patchesQuery,
  patchIdParams,
  rejectBody,
  startBody,
} from "./healing-schemas.js";

/**
 * The stored healing records the routes read: patches beyond the open ones, and the phase
 * history. Reads only; every change goes through the HealingService.
 */
export type HealingRecordReads = Pick<
  HealingStore,
  "listPatches" | "getPatch" | "loadPhaseHistory" | "countPatches"
>;

/** A refused phase advance, with the unmet criteria machine-readable beside the message. */
class GateUnmetError extends ConflictError {
  constructor(
    message: string,
    readonly details: { unmet: GateCriterion[] },
  ) {
    super("gate_unmet", message);
    this.name = "GateUnmetError";
  }
}

const BASE = "/api/self-healing";

export interface HealingRouteDependencies {
  healing: HealingService;
  health: HealthService;
  alerts: AlertService;
  records: HealingRecordReads;
  access: AccessControl;
  config: AutonomicConfig;
  /** The phase 4 gate's "uptime improved, human time saved", from the impact report; absent: not shown. */
  phase4Evidence?: () => Promise<GateCriterion[]>;
}

export function healingRoutes(
  app: FastifyInstance,
  { healing, health, alerts, records, access, config, phase4Evidence }: HealingRouteDependencies,
): void {
  /** Checks the token, then names the person acting (never `system`). */
  const operator = (request: FastifyRequest): string => {
    access.require(request, "operator");
    return personActing(request);
  };
  const tags = ["healing"];
  const loopStatus = () => ({ running: healing.isRunning, phase: healing.phase });

  app.post(
    `${BASE}/heal`,
    {
      schema: {
        tags,
        summary:
          "Run one healing pass now (operator token): due verifications, then a patch for each degraded kernel that may have one",
        ...OPERATOR,
        headers: actorHeaders,
        body: noOptionsBody,
        response: { 200: healingReplies.heal, ...healingErrors },
      },
    },
    async (request) => {
      operator(request);
      parseInput(noOptionsBody, request.body, "body");
      return { success: true, heal: await healing.healPass() };
    },
  );

  // The original's {auto_apply}: auto-apply is what phase 4 does (SPEC §5), so asking for it
  // earlier is refused with the reason; phase 4 applies above the threshold whatever is asked.
  app.post(
    `${BASE}/start`,
    {
      schema: {
        tags,
        summary: "Start the periodic healing loop (operator token)",
        description: "auto_apply is the original's: it needs phase 4, else a 409 saying so.",
        ...OPERATOR,
        headers: actorHeaders,
        body: startBody,
        response: { 200: healingReplies.started, ...healingErrors },
      },
    },
    async (request) => {
      const actor = operator(request);
      const body = parseInput(startBody, request.body, "body");
      if (body.auto_apply === true && healing.phase < 4)
        throw new ConflictError(
          "phase_forbids_auto_apply",
          `auto_apply needs phase 4 (autonomous); this server is in phase ${healing.phase} (${PHASE_NAMES[healing.phase]}), where patches wait for review. Advance the phase through its gates first.`,
        );
      const wasRunning = healing.isRunning;
      await healing.setRunning(true, actor);
      return {
        success: true,
        message: wasRunning ? "Healing engine already running" : "Healing engine started",
        auto_apply: healing.phase >= 4,
        status: loopStatus(),
      };
    },
  );

  app.post(
    `${BASE}/stop`,
    {
      schema: {
        tags,
        summary: "Stop the periodic healing loop (operator token)",
        ...OPERATOR,
        headers: actorHeaders,
        body: noOptionsBody,
        response: { 200: healingReplies.stopped, ...healingErrors },
      },
    },
    async (request) => {
      const actor = operator(request);
      parseInput(noOptionsBody, request.body, "body");
      const wasRunning = healing.isRunning;
      await healing.setRunning(false, actor);
      return {
        success: true,
        message: wasRunning ? "Healing engine stopped" : "Healing engine was not running",
        status: loopStatus(),
      };
    },
  );

  app.get(
    `${BASE}/status`,
    {
      schema: {
        tags,
        summary: "The healing loop: running, phase and open patches (?kernel_id for one kernel's)",
        querystring: kernelQuery,
        response: { 200: healingReplies.status, ...healingErrors },
      },
    },
    async (request) => {
      const { kernel_id } = parseInput(kernelQuery, request.query, "query");
      const open = healing.openPatches().filter((p) => kernel_id === undefined || p.kernel_id === kernel_id);
      const byState: Record<string, number> = {};
      for (const p of open) byState[p.state] = (byState[p.state] ?? 0) + 1;
      const one = kernel_id === undefined ? null : health.health(kernel_id);
      const constellation = health.constellation();
      const compat = compatStatus(
        {
          health: constellation,
          // The constellation has its baselines once every kernel that reported has one.
          baselineSet: one?.has_baseline ?? health.everyKernelHasBaseline(),
          phase: healing.phase,
          running: healing.isRunning,
          attempts: await records.countPatches(),
          ...(one ? { kernelSnapshots: one.snapshots } : {}),
        },
        config,
      );
      return {
        success: true,
        status: {
          ...compat,
          ...loopStatus(),
          phase_name: PHASE_NAMES[healing.phase],
          ...(kernel_id === undefined ? {} : { kernel_id }),
          open_patches: open.length,
          open_by_state: byState,
          pending_review: byState.pending_review ?? 0,
        },
      };
    },
  );

  app.get(
    `${BASE}/patches`,
    {
      schema: {
        tags,
        summary: "Patches newest first, each with its fitness breakdown and step-by-step record",
        description: "state takes one state or several separated by commas.",
        querystring: patchesQuery,
        response: { 200: healingReplies.patches, ...healingErrors },
      },
    },
    async (request) => {
      const q = parseInput(patchesQuery, request.query, "query");
      const patches = await records.listPatches({
        kernelId: q.kernel_id,
        states: q.state,
        limit: q.limit ?? 100,
      });
      return { success: true, patches: patches.map(withRecord) };
    },
  );

  // The healing history (the original's /history): every move of every patch, newest first.
  app.get(
    `${BASE}/history`,
    {
      schema: {
        tags,
        summary:
          "The healing history: every patch move (time, patch, kernel, from, to, actor, reason), newest first",
        querystring: historyQuery,
        response: { 200: healingReplies.history, ...healingErrors },
      },
    },
    async (request) => {
      const q = parseInput(historyQuery, request.query, "query");
      const limit = q.limit ?? 100;
      const patches = await records.listPatches({ kernelId: q.kernel_id, limit });
      const history = historyEntries(patches, limit);
      return { success: true, history, count: history.length };
    },
  );

  app.get(
    `${BASE}/patches/:patch_id`,
    {
      schema: {
        tags,
        summary: "One patch with its step-by-step record; 404 for an unknown id",
        params: patchIdParams,
        response: { 200: healingReplies.patch, ...healingErrors },
      },
    },
    async (request) => {
      const { patch_id } = parseInput(patchIdParams, request.params, "params");
      const patch = await records.getPatch(patch_id);
      if (patch === null) throw new UnknownPatchError(patch_id);
      return { success: true, patch: withRecord(patch) };
    },
  );

  app.post(
    `${BASE}/patches/:patch_id/approve`,
    {
      schema: {
        tags,
        summary:
          "Approve a patch waiting for review (operator token): its live action is sent; 409 when not pending",
        ...OPERATOR,
        params: patchIdParams,
        headers: actorHeaders,
        body: approveBody,
        response: { 200: healingReplies.patch, ...healingErrors },
      },
    },
    async (request) => {
      const actor = operator(request);
      const { patch_id } = parseInput(patchIdParams, request.params, "params");
      const body = parseInput(approveBody, request.body, "body");
      return { success: true, patch: withRecord(await healing.approve(patch_id, actor, body.reason)) };
    },
  );

  app.post(
    `${BASE}/patches/:patch_id/reject`,
    {
      schema: {
        tags,
        summary:
          "Reject a patch waiting for review (operator token); not_needed counts it as a false positive; 409 when not pending",
        ...OPERATOR,
        params: patchIdParams,
        headers: actorHeaders,
        body: rejectBody,
        response: { 200: healingReplies.patch, ...healingErrors },
      },
    },
    async (request) => {
      const actor = operator(request);
      const { patch_id } = parseInput(patchIdParams, request.params, "params");
      const body = parseInput(rejectBody, request.body, "body");
      return { success: true, patch: withRecord(await healing.reject(patch_id, actor, body)) };
    },
  );

  app.post(
    `${BASE}/evaluate-patch`,
    {
      schema: {
        tags,
        summary:
          "Sandbox an action on a kernel and return its fitness (operator token); waits for the kernel's dry-run answer",
        ...OPERATOR,
        headers: actorHeaders,
        body: evaluatePatchBody,
        response: { 200: healingReplies.evaluated, ...healingErrors },
      },
    },
    async (request) => {
      const actor = operator(request);
      const raw = request.body as Record<string, unknown> | undefined;
      if (raw && typeof raw === "object" && ("module_name" in raw || "new_code" in raw))
        throw new InvalidInputError(
          "module_name, new_code",
          "code is not evaluated here: Autonomic sandboxes remediation actions on a live kernel. Send {kernel_id, type, params} (type one of basin_correction, integration_boost, decoherence, enable_cache, recycle, rollback_config)",
        );
      const body = parseInput(evaluatePatchBody, request.body, "body");
      const patch = await healing.evaluatePatch(body, actor);
      return {
        success: true,
        patch: withRecord(patch),
        fitness: patch.sandbox?.fitness.fitness ?? null,
        recommendation: patch.sandbox?.recommendation ?? null,
      };
    },
  );

  const phaseView = async () => {
    const [status, history] = await Promise.all([healing.phaseStatus(), records.loadPhaseHistory()]);
    // Phase 4's standing gate: "> 80 % verified" from the healing records, and "uptime
    // improved, human time saved" from the impact report. It blocks nothing (no next phase).
    const criteria = [
      ...status.criteria,
      ...(status.phase === 4 && phase4Evidence ? await phase4Evidence() : []),
    ];
    return {
      phase: status.phase,
      name: PHASE_NAMES[status.phase],
      next: status.next,
      next_name: status.next === null ? null : PHASE_NAMES[status.next],
      met: criteria.every((c) => c.met),
      criteria,
      allowed: status.allowed,
      running: status.running,
      history: history.map((h) => ({
        from_phase: h.from_phase,
        to_phase: h.to_phase,
        at: new Date(h.at).toISOString(),
        actor: h.actor,
        forced: h.forced,
        reason: h.reason,
      })),
    };
  };

  app.get(
    `${BASE}/phase`,
    {
      schema: {
        tags,
        summary: "The healing phase, its gate criterion by criterion (value, target, met) and its history",
        response: { 200: healingReplies.phase, ...healingErrors },
      },
    },
    async (request) => {
      parseInput(noOptionsBody, request.query, "query");
      return { success: true, phase: await phaseView() };
    },
  );

  app.post(
    `${BASE}/phase/advance`,
    {
      schema: {
        tags,
        summary: "Advance to the next phase (operator token)",
        description: "A 409 lists the unmet criteria (`unmet`) unless forced, and a force needs a reason.",
        ...OPERATOR,
        headers: actorHeaders,
        body: advancePhaseBody,
        response: { 200: healingReplies.advanced, ...healingErrors },
      },
    },
    async (request) => {
      const actor = operator(request);
      const body = parseInput(advancePhaseBody, request.body, "body");
      let change: Awaited<ReturnType<HealingService["advancePhase"]>>;
      try {
        change = await healing.advancePhase({ force: body.force, reason: body.reason, actor });
      } catch (err) {
        if (!(err instanceof ConflictError) || err.code !== "gate_unmet") throw err;
        const unmet = (await healing.phaseStatus()).criteria.filter((c) => !c.met);
        throw new GateUnmetError(err.message, { unmet });
      }
      return {
        success: true,
        change: {
          from: change.from,
          to: change.to,
          from_name: PHASE_NAMES[change.from as HealingPhase],
          to_name: PHASE_NAMES[change.to as HealingPhase],
          forced: change.forced,
          reason: change.reason,
          unmet: change.unmet,
        },
        phase: await phaseView(),
      };
    },
  );

  app.get(
    `${BASE}/alerts`,
    {
      schema: {
        tags,
        summary: "Alerts newest first, with their webhook delivery",
        querystring: alertsQuery,
        response: { 200: healingReplies.alerts, ...healingErrors },
      },
    },
    async (request) => {
      const q = parseInput(alertsQuery, request.query, "query");
      return { success: true, alerts: await alerts.list(q.limit ?? 100) };
    },
  );
}

/** A patch on the wire: as stored, with its step-by-step record. */
function withRecord(patch: Patch) {
  return { ...patch, record: patchRecord(patch) };
}
