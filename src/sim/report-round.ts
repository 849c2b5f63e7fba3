/**
 * One reporting round of the simulated kernels, as live kernels using the SDK would run it:
 * every kernel reports fatigue and a snapshot, those told to rest ask for it, and each runs
 * the actions its directive carries.
 */
import type { HealthMonitor } from "../core/health/monitor.js";
import { parseSnapshot } from "../core/health/snapshot.js";
import type { ActionService } from "../services/action-service.js";
import type { HealthService } from "../services/health-service.js";
import type { RestService } from "../services/rest-service.js";
import type { Constellation } from "./constellation.js";
import type { FaultType } from "./faults.js";
import type { RestAccounting } from "./rest-accounting.js";
import type { ContextLedger } from "./rest-context.js";

export interface RoundServices {
  constellation: Constellation;
  rest: RestService;
  health: HealthService;
  truth: HealthMonitor;
  accounting: RestAccounting;
  contexts: ContextLedger;
}

/**
 * Every reporting kernel reports fatigue and one snapshot; then those told to rest ask for
 * it, handing over what they are working on. All report first because they report at the
 * same instant: a request judged against a partner's report from a minute ago (or, in the
 * first round, against a partner that has not reported yet and so looks fresh and idle)
 * would be judged on stale news.
 */
export async function reportRound(r: RoundServices, nowMs: number): Promise<number> {
  const { rest, contexts } = r;
  const batch: unknown[] = [];
  const toRest: string[] = [];
  for (const { kernel } of r.constellation.members) {
    if (!kernel.reporting) continue;
    const id = kernel.kernelId;
    const reply = await rest.reportFatigue(id, kernel.fatigueSample());
    r.accounting.fatigue(id, reply.fatigue_score);
    contexts.worked(id);
    contexts.directive(id, reply.directive.rest);
    if (reply.should_rest && reply.directive.rest.status === "active") toRest.push(id);
    batch.push(kernel.snapshot(nowMs));
    r.truth.ingest(parseSnapshot(kernel.trueSnapshot(nowMs)));
  }
  for (const id of toRest) {
    const context = contexts.contextFor(id);
    const result = await rest.requestRest(id, false, { context });
    if (result.approved) contexts.handed(id, context);
  }
  if (batch.length > 0) await r.health.ingestBatch(batch);
  return batch.length;
}

/**
 * An exhausted constellation was running before the run began: each kernel reports its
 * fatigue as it joins, without asking for rest. Without it the first round would be every
 * kernel's first report, which carries no Φ trend and so scores at most ≈ 0.67 in an
 * exhausted kernel — under the 0.70 partner limit, so spent kernels would look fit to cover
 * each other for one round; and the predictive trend would start from that round's rise.
 */
export async function joiningReports(r: RoundServices): Promise<void> {
  for (const { kernel } of r.constellation.members) {
    const reply = await r.rest.reportFatigue(kernel.kernelId, kernel.fatigueSample());
    r.accounting.fatigue(kernel.kernelId, reply.fatigue_score);
  }
}

/**
 * Each reporting kernel runs the actions its directive carries (a sandbox run only
 * predicts) and answers them, as the SDK does for a live kernel.
 */
export async function answerActions(
  constellation: Constellation,
  actions: ActionService,
  onCure: (kernelName: string, fault: FaultType, patchId: string | null) => void,
): Promise<void> {
  for (const member of constellation.members) {
    const { kernel } = member;
    // A crashed kernel hears nothing: its actions time out.
    if (!kernel.reporting) continue;
    for (const action of actions.pendingFor(kernel.kernelId)) {
      const outcome = kernel.apply(action.type, action.params, action.dry_run);
      if (outcome.cured && !action.dry_run) onCure(member.kernelName, outcome.cured, action.patch_id);
      const answer = outcome.ok
        ? { ok: true, ...(outcome.predicted ? { predicted: outcome.predicted } : {}) }
        : { ok: false, error: outcome.error ?? "failed" };
      await actions.recordResult(action.action_id, answer);
    }
  }
}
