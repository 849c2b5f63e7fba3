/**
 * The rest part of a directive (SPEC §6 "Directives"): what a kernel learns about its own
 * rest in the reply to each report, so it needs no open port of its own.
 */
import type { DirectiveAction } from "../healing/remediation-action.js";
import type { RestScheduler } from "./scheduler.js";

export interface RestDirective {
  status: string;
  should_rest: boolean;
  reason: string;
  /** ISO 8601 end of the planned rest, while resting. */
  until?: string;
  covered_by?: string;
  /** The second coverer when two partners share the coverage. */
  covered_also_by?: string;
  covering_for?: string;
  /** Share of the covered kernel's load this kernel carries while covering (1 alone). */
  cover_share?: number;
  /** The context the covered kernel handed over (context transfer), while covering it. */
  covering_context?: unknown;
  /** This kernel's own context, handed back after its last rest; present until its next rest. */
  context?: unknown;
  /** The constellation cycle this kernel rests in. */
  cycle?: string;
}

/**
 * What a kernel should do next, in the reply to each of its reports.
 * @example { rest: { status: "active", should_rest: false, reason: "fatigue 0.12" }, actions: [] }
 */
export interface Directive {
  rest: RestDirective;
  /**
   * Remediation actions not yet answered, oldest first. Each is repeated in every directive
   * until it is answered or times out (at-least-once): the kernel dedupes by action_id.
   */
  actions: DirectiveAction[];
}

export function restDirective(rest: RestScheduler, kernelId: string): RestDirective {
  const status = rest.status(kernelId);
  const decision = rest.shouldRest(kernelId);
  const directive: RestDirective = {
    status: status.status,
    should_rest: decision.should_rest,
    reason: decision.reason,
  };
  const plannedUntil = rest.plannedUntil(kernelId);
  if (plannedUntil !== null) directive.until = new Date(plannedUntil).toISOString();
  if (status.covered_by) directive.covered_by = status.covered_by;
  if (status.covered_also_by) directive.covered_also_by = status.covered_also_by;
  if (status.covering_for) {
    directive.covering_for = status.covering_for;
    directive.cover_share = status.cover_share;
  }
  if (status.cycle) directive.cycle = status.cycle;
  const context = rest.contextFor(kernelId);
  if (context.covering !== null) directive.covering_context = context.covering;
  if (context.returned !== null) directive.context = context.returned;
  return directive;
}
