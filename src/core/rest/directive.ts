/**
 * The rest part of a directive (SPEC §6 "Directives"): what a kernel learns about its own
 * rest in the reply to each report, so it needs no open port of its own.
 */
import type { RestScheduler } from "./scheduler.js";

export interface RestDirective {
  status: string;
  should_rest: boolean;
  reason: string;
  /** ISO 8601 end of the planned rest, while resting. */
  until?: string;
  covered_by?: string;
  covering_for?: string;
}

export interface Directive {
  rest: RestDirective;
  /** Remediation actions; filled by self-healing. */
  actions: unknown[];
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
  if (status.covering_for) directive.covering_for = status.covering_for;
  return directive;
}
