/**
 * The counts the phase gates read (SPEC §5 "computed from its own records"), from the
 * stored patches and a few store-wide counts.
 */
import type { Patch } from "../core/healing/patch.js";
import type { HealingRecordSummary } from "../core/healing/phases.js";
import { inverseAction } from "../core/healing/strategies.js";

export interface StoreCounts {
  snapshots: number;
  kernels_seen: number;
  kernels_with_baseline: number;
  server_crashes: number;
}

/**
 * @example summarizeRecords(await store.listPatches({ limit: 10_000 }), { snapshots: 1200, kernels_seen: 16, kernels_with_baseline: 16, server_crashes: 0 })
 */
export function summarizeRecords(patches: readonly Patch[], counts: StoreCounts): HealingRecordSummary {
  const sandboxed = patches.filter((p) => p.sandbox !== null);
  const applied = patches.filter((p) => p.transitions.some((t) => t.to === "applied"));
  // A rollback was needed when verification failed or review sent one back; it succeeded
  // when the kernel ran the inverse (a patch with no inverse could not be rolled back).
  // A restart (recycle) or a rest has nothing to undo, so it needs no rollback.
  const rolledBack = patches.filter(
    (p) => p.state === "rolled_back" && inverseAction(p.action.type, p.action.params) !== null,
  );
  return {
    ...counts,
    patches_generated: patches.length,
    sandbox_runs: sandboxed.length,
    sandbox_successes: sandboxed.filter((p) => p.sandbox?.fitness.inputs.accepted === true).length,
    sandbox_fitness_values: sandboxed
      .filter((p) => p.sandbox?.fitness.inputs.accepted === true)
      .map((p) => p.sandbox?.fitness.fitness as number),
    strategies_exercised: [...new Set(sandboxed.map((p) => p.strategy))].sort(),
    patches_applied: applied.length,
    patches_verified: patches.filter((p) => p.state === "verified").length,
    false_positives: patches.filter((p) => p.false_positive).length,
    rollbacks_needed: rolledBack.length,
    rollbacks_succeeded: rolledBack.filter((p) => p.rollback?.ok === true).length,
  };
}
