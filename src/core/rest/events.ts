/**
 * Domain events of the rest scheduler: one for every transition, snake_case because they
 * go to the wire (server-sent events) and to the store as they are. `at` is clock ms.
 */
import type { CycleType } from "../cycles/cycle-types.js";
import type { KernelPolicy, KernelTier, RestMode } from "./kernel-state.js";

export type WakeCause =
  | "requested"
  | "fatigue_recovered"
  | "planned_length_elapsed"
  | "deregistered"
  /** A rest cut short because a constellation cycle began: it continues as a cycle rest. */
  | "cycle_started"
  | "cycle_ended"
  /** The kernel itself retired while resting: it is woken first, so its rest is recorded. */
  | "retired"
  /** Its coverer retired and no other partner could take the coverage over. */
  | "coverer_retired";

/**
 * What became of the coverage a retiring kernel held: handed to another partner (the same
 * rule as a handoff when a coverer goes to rest), or, when none can take it, the covered
 * kernel's rest ended, so it is never left resting uncovered.
 */
export interface RetirementHandoff {
  /** The kernel the retiring one covered. */
  covered: string;
  /** Who covers it now; null when its rest was ended instead. */
  handed_to: string | null;
  outcome: "handed_off" | "rest_ended";
}

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
  | KernelRetiredEvent
  | {
      type: "rest_started";
      at: number;
      kernel_id: string;
      kernel_name: string;
      rest_type: RestMode;
      covered_by: string | null;
      /** The second coverer when two partners share the coverage. */
      covered_also_by: string | null;
      forced: boolean;
      /** Set when the rest is part of a constellation cycle. */
      cycle: CycleType | null;
      reason: string;
      reason_code: string;
      planned_until: number;
      fatigue: number;
      phi: number;
      kappa: number;
      /** The fatigue threshold in force when the rest began (the policy's, moved by adaptation). */
      threshold: number;
      /** Whether a context payload was handed to the coverer. */
      has_context: boolean;
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
      covered_also_by: string | null;
      forced: boolean;
      cycle: CycleType | null;
      fatigue_at_rest: number;
      phi_at_rest: number;
      kappa_at_rest: number;
      fatigue_after: number;
      phi_after: number;
      kappa_after: number;
      /** Rest quality: fatigue removed per minute of rest (negative when it rose). */
      recovery_per_minute: number;
      /** Fatigue removed as a fraction of the fatigue at rest (0 when that was 0). */
      recovery_fraction: number;
      /** Whether a context payload was handed back to the kernel on waking. */
      context_returned: boolean;
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
      /** Share of the covered kernel's carried load this coverer takes: 1 alone. */
      share: number;
      /** The context payload the resting kernel handed over (JSON), or null. */
      context: unknown;
    }
  | {
      type: "coverage_ended";
      at: number;
      kernel_id: string;
      covering_for: string;
      cause: "rest_ended" | "handoff" | "cycle_started";
    }
  | {
      type: "threshold_adapted";
      at: number;
      kernel_id: string;
      kernel_name: string;
      /** Shift from the policy's threshold before and after this rest. */
      from_shift: number;
      to_shift: number;
      /** The threshold now in force. */
      threshold: number;
      recovery_fraction: number;
      reason: string;
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

/**
 * A kernel left the constellation for good (SPEC §6 `DELETE /kernels/:kernel_id`). Its wake
 * and handoff are events of their own just before this one, in the same transition; its
 * history stays, and its id may register afresh.
 */
export interface KernelRetiredEvent {
  type: "kernel_retired";
  at: number;
  kernel_id: string;
  kernel_name: string;
  tier: KernelTier;
  rest_policy: KernelPolicy;
  /** Whether force was given: an essential kernel retires only so, with a reason. */
  forced: boolean;
  reason: string | null;
  /** Who asked: "user:<name>" for an operator, "kernel" for a kernel token. */
  actor: string | null;
  /** The rest mode it was woken from, or null when it was active. */
  woken_from: RestMode | null;
  /** At most one: a kernel covers at most one other. */
  handoffs: RetirementHandoff[];
  /** Its rest totals over this registration, as they stood at retirement. */
  rest_count: number;
  total_rest_seconds: number;
}

export type RestEventType = RestEvent["type"];

/** Machine-readable reasons a rest request is refused. */
export type RefusalCode =
  | "already_resting"
  | "no_coverage"
  | "duty_cycle"
  | "partner_resting"
  | "covering_no_handoff";

/** Machine-readable reasons a rest request is approved. */
export type ApprovalCode = "covered" | "shared_coverage" | "reduced" | "micro_pause" | "forced_uncovered";

export type RestEventListener = (event: RestEvent) => void;

/**
 * Every kernel an event names, in any role (itself, whom it covers, its one or two coverers,
 * the coverer it took over from): the kernels whose saved state a transition must commit
 * with the event, so no transition commits one side of a coverage without the other.
 */
export function kernelsNamedBy(e: RestEvent): string[] {
  const ids = [e.kernel_id];
  if ("covering_for" in e) ids.push(e.covering_for);
  if ("covered_by" in e && e.covered_by) ids.push(e.covered_by);
  if ("covered_also_by" in e && e.covered_also_by) ids.push(e.covered_also_by);
  if ("handoff_from" in e && e.handoff_from) ids.push(e.handoff_from);
  return ids;
}
