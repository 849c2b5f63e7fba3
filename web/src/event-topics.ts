/**
 * What each event of /api/events makes stale on the page. The stream names every committed
 * transition (src/server/event-stream.ts: `event: <type>` with its JSON); the page re-reads
 * the views an event touches instead of patching them from the event, so what it shows is
 * always a server reply, never a local guess.
 */

/** A view of the page that is read from the server as a whole. */
export type Topic = "kernels" | "health" | "patches" | "phase" | "cycles" | "alerts" | "cluster";

export const TOPICS: readonly Topic[] = [
  "kernels",
  "health",
  "patches",
  "phase",
  "cycles",
  "alerts",
  "cluster",
];

/** Every event type the server streams, with the views it touches. */
export const EVENT_TOPICS: Readonly<Record<string, readonly Topic[]>> = {
  // rest scheduler
  kernel_registered: ["kernels"],
  kernel_deregistered: ["kernels"],
  // A retired kernel leaves the graph (the kernels) and the monitor (health) at once.
  kernel_retired: ["kernels", "health"],
  rest_started: ["kernels"],
  rest_ended: ["kernels"],
  coverage_started: ["kernels"],
  coverage_ended: ["kernels"],
  threshold_adapted: ["kernels"],
  rest_refused: [],
  // health monitor
  health_status_changed: ["health"],
  baseline_set: ["health", "phase"],
  resonance_point: [],
  // remediation actions: a patch's own move follows as patch_changed
  action_dispatched: [],
  action_answered: [],
  action_timed_out: [],
  // self-healing
  patch_changed: ["patches", "phase"],
  phase_changed: ["phase", "patches"],
  healing_loop: ["phase"],
  heal_pass: [],
  // alerts: a change of leader raises one (SPEC §9)
  alert_raised: ["alerts", "cluster"],
  alert_delivered: ["alerts"],
  alert_delivery_failed: ["alerts"],
  // constellation cycles: a cycle also rests kernels, which rest events report
  cycle_started: ["cycles", "kernels"],
  cycle_ended: ["cycles", "kernels"],
  cycle_decision: ["cycles"],
  cycle_vote_cast: ["cycles"],
};

/** The views an event makes stale; an event type this page does not know touches all of them. */
export function topicsOf(eventType: string): readonly Topic[] {
  return EVENT_TOPICS[eventType] ?? TOPICS;
}
