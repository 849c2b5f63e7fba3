/**
 * What the simulator reports of healing: patches by the furthest state they reached, and
 * for each injected fault which strategy healed it, when, and how its patch ended.
 * The simulated kernel is the ground truth of a cure: a fault is healed when an action a
 * patch sent (not a sandbox run) removed it.
 */
import type { HealingEvent } from "../services/healing-events.js";
import type { FaultRecord } from "./fault-detection.js";
import type { FaultType } from "./faults.js";

export interface PatchFigures {
  generated: number;
  sandboxed: number;
  pending_review: number;
  approved: number;
  applied: number;
  verified: number;
  rolled_back: number;
}

interface PatchInfo {
  strategy: string;
  state: string;
}

export class HealingTracker {
  private readonly patches = new Map<string, PatchInfo>();
  private readonly counts: PatchFigures = {
    generated: 0,
    sandboxed: 0,
    pending_review: 0,
    approved: 0,
    applied: 0,
    verified: 0,
    rolled_back: 0,
  };
  /** Fault record → the patch that cured it. */
  private readonly curedBy = new Map<FaultRecord, string>();

  onEvent(event: HealingEvent): void {
    if (event.type !== "patch_changed") return;
    const info = this.patches.get(event.patch_id) ?? { strategy: event.strategy, state: event.to };
    info.state = event.to;
    this.patches.set(event.patch_id, info);
    if (event.to in this.counts) this.counts[event.to as keyof PatchFigures] += 1;
  }

  /** A live action of `patchId` cured `fault` on a kernel at `elapsedSeconds`. */
  cured(
    records: readonly FaultRecord[],
    kernelName: string,
    fault: FaultType,
    patchId: string | null,
    elapsedSeconds: number,
  ): void {
    const record = records.find((r) => r.kernel === kernelName && r.type === fault && r.healed_at === null);
    if (!record) return;
    record.healed_at = elapsedSeconds;
    if (patchId) this.curedBy.set(record, patchId);
  }

  /** Fills each fault's strategy and outcome from the patch that cured it (or says it was not healed). */
  finish(records: FaultRecord[]): void {
    for (const record of records) {
      const patchId = this.curedBy.get(record);
      const info = patchId ? this.patches.get(patchId) : undefined;
      record.strategy = info?.strategy ?? null;
      record.outcome = info ? info.state : record.healed_at === null ? "not_healed" : "healed_without_patch";
    }
  }

  figures(): PatchFigures {
    return { ...this.counts };
  }
}
