/**
 * Domain events of the rest scheduler: one for every transition, snake_case because they
 * go to the wire (server-sent events) and to the store as they are. `at` is clock ms.
 */
import type { KernelPolicy, KernelTier, RestMode } from "./kernel-state.js";

export type WakeCause = "requested" | "fatigue_recovered" | "planned_length_elapsed" | "deregistered";

export type RestEvent =
  | {
      type: "kernel_registered";
      at: number;
      kernel_id: string;
      kernel_name: string;
      tier: KernelTier;
      rest_policy: KernelPolicy;
      mentor: string | null;
    }
  | { type: "kernel_deregistered"; at: number; kernel_id: string; kernel_name: string }
  | {
      type: "rest_started";
      at: number;
      kernel_id: string;
      kernel_name: string;
      rest_type: RestMode;
      covered_by: string | null;
      forced: boolean;
      reason: string;
      reason_code: string;
      planned_until: number;
      fatigue: number;
      phi: number;
      kappa: number;
    }
  | {
      type: "rest_ended";
      at: number;
      kernel_id: string;
      kernel_name: string;
      /** The mode the rest actually had (the original recorded "active" here). */
      rest_type: RestMode;
      cause: WakeCause;
      duration_seconds: number;
      covered_by: string | null;
      forced: boolean;
      fatigue_at_rest: number;
      phi_at_rest: number;
      kappa_at_rest: number;
      fatigue_after: number;
      phi_after: number;
      kappa_after: number;
    }
  | {
      type: "coverage_started";
      at: number;
      /** The covering kernel. */
      kernel_id: string;
      covering_for: string;
      /** The coverer's fatigue when it took over: never above the partner limit. */
      coverer_fatigue: number;
      /** Set when this coverage was handed over from another coverer. */
      handoff_from: string | null;
    }
  | {
      type: "coverage_ended";
      at: number;
      kernel_id: string;
      covering_for: string;
      cause: "rest_ended" | "handoff";
    }
  | {
      type: "rest_refused";
      at: number;
      kernel_id: string;
      kernel_name: string;
      reason: string;
      reason_code: RefusalCode;
      forced: boolean;
    };

export type RestEventType = RestEvent["type"];

/** Machine-readable reasons a rest request is refused. */
export type RefusalCode =
  | "already_resting"
  | "no_coverage"
  | "duty_cycle"
  | "partner_resting"
  | "covering_no_handoff";

/** Machine-readable reasons a rest request is approved. */
export type ApprovalCode = "covered" | "reduced" | "micro_pause" | "forced_uncovered";

export type RestEventListener = (event: RestEvent) => void;
