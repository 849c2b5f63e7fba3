/**
 * Domain events of self-healing, published after they are stored: the log, the metrics,
 * the event stream and the simulator's report all read these.
 */
import type { PatchActor, PatchState } from "../core/healing/patch.js";

export type HealingEvent =
  | {
      type: "patch_changed";
      at: number;
      patch_id: string;
      kernel_id: string;
      strategy: string;
      action_type: string;
      from: PatchState | null;
      to: PatchState;
      actor: PatchActor;
      reason: string;
      /** The sandbox fitness, once there is one. */
      fitness: number | null;
      /** How long the step that ended here took, for the duration histograms. */
      timing: { stage: "testing" | "application"; seconds: number } | null;
    }
  | {
      type: "phase_changed";
      at: number;
      from: number;
      to: number;
      forced: boolean;
      reason: string | null;
      actor: string;
    }
  | { type: "healing_loop"; at: number; running: boolean; actor: string }
  | {
      type: "heal_pass";
      at: number;
      phase: number;
      examined: number;
      patches_started: number;
      /** Seconds the pass took to examine kernels and generate patches. */
      generation_seconds: number;
    };
