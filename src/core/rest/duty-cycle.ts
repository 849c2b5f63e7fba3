/**
 * Duty-cycle accounting: how much of the last period a kernel spent resting, from its
 * recent finished rests plus the one in progress. RESTING and MICRO_PAUSE are downtime;
 * REDUCED is not (the kernel keeps working, slower), so an essential kernel's reductions
 * never count against its duty cycle. Time before a kernel registered counts as uptime,
 * so a new kernel is measured and checked the same way: over one full period.
 */
import type { KernelRestState, RestInterval } from "./kernel-state.js";

/** Seconds of rest inside [fromMs, toMs]. */
export function downtimeSeconds(k: KernelRestState, fromMs: number, toMs: number): number {
  let ms = 0;
  // Newest first: rests are ordered by time, so stop at the first one that ended before the window.
  for (let i = k.recentRests.length - 1; i >= 0; i--) {
    const r = k.recentRests[i] as RestInterval;
    if (r.endedAt < fromMs) break;
    ms += overlap(r.startedAt, r.endedAt, fromMs, toMs);
  }
  if (k.restStartedAt !== null && k.status !== "reduced") ms += overlap(k.restStartedAt, toMs, fromMs, toMs);
  return ms / 1000;
}

/** Uptime fraction over the last period. */
export function measuredDutyCycle(k: KernelRestState, now: number, periodSeconds: number): number {
  return 1 - downtimeSeconds(k, now - periodSeconds * 1000, now) / periodSeconds;
}

/**
 * Uptime over the period that would end when a rest of `restSeconds` starting now ends.
 * Below the kernel's duty cycle means the rest would break it.
 */
export function projectedDutyCycle(
  k: KernelRestState,
  now: number,
  periodSeconds: number,
  restSeconds: number,
): number {
  const end = now + restSeconds * 1000;
  const from = end - periodSeconds * 1000;
  const down = Math.min(periodSeconds, downtimeSeconds(k, from, now) + restSeconds);
  return 1 - down / periodSeconds;
}

/** Finished rests kept per kernel; beyond this the two oldest are coalesced (total downtime stays exact). */
export const MAX_RECENT_RESTS = 256;

/**
 * Records a finished rest. Zero-length rests add nothing; a rest that starts the moment
 * the last one ended extends it; memory stays bounded however often a kernel flaps.
 */
export function recordRest(k: KernelRestState, startedAt: number, endedAt: number): void {
  if (endedAt <= startedAt) return;
  const last = k.recentRests[k.recentRests.length - 1];
  if (last && last.endedAt === startedAt) {
    last.endedAt = endedAt;
    return;
  }
  k.recentRests.push({ startedAt, endedAt });
  if (k.recentRests.length > MAX_RECENT_RESTS) {
    const [a, b] = k.recentRests as [RestInterval, RestInterval];
    // a's length fits in the gap before b starts, so the merged rest still ends by b's end.
    k.recentRests.splice(0, 2, {
      startedAt: a.startedAt,
      endedAt: a.startedAt + (a.endedAt - a.startedAt) + (b.endedAt - b.startedAt),
    });
  }
}

/** Drops finished rests that ended before `keepFromMs`. */
export function pruneRecentRests(k: KernelRestState, keepFromMs: number): void {
  let drop = 0;
  while (
    drop < k.recentRests.length &&
    (k.recentRests[drop]?.endedAt ?? Number.POSITIVE_INFINITY) < keepFromMs
  )
    drop++;
  if (drop > 0) k.recentRests.splice(0, drop);
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  const lo = Math.max(a0, b0);
  const hi = Math.min(a1, b1);
  return hi > lo ? hi - lo : 0;
}
