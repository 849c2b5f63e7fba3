/**
 * Chooses who covers a kernel going to rest and, when that kernel is itself covering
 * someone, who takes that over (handoff): coverage is never silently dropped.
 */
import type { RestConfig } from "../config.js";
import { canCover } from "./coverage.js";
import type { KernelRestState } from "./kernel-state.js";

export type CoveragePlan =
  | { ok: true; coverer: KernelRestState | null; handoffTo: KernelRestState | null }
  | { ok: false; code: "covering_no_handoff"; covered: KernelRestState };

export type LiveLookup = (godName: string) => KernelRestState | undefined;

/** Where to look: live kernels by god name, and each kernel's partner names in preference order. */
export interface PartnerLookup {
  live: LiveLookup;
  partnersOf: (k: KernelRestState) => readonly string[];
}

/**
 * @param needsCover whether the rest mode needs a coverer (REDUCED does not)
 * @param covered the kernel `k` currently covers, if any
 * @returns the first coverer in partner order for which a handoff also works; a plan
 *   with `coverer: null` when none can cover (the caller refuses, forces or reduces).
 */
export function planCoverage(
  cfg: RestConfig,
  k: KernelRestState,
  needsCover: boolean,
  covered: KernelRestState | null,
  lookup: PartnerLookup,
): CoveragePlan {
  const coverers = needsCover ? availablePartners(cfg, k, lookup, []) : [];
  if (covered === null) return { ok: true, coverer: coverers[0] ?? null, handoffTo: null };
  for (const coverer of coverers) {
    const handoffTo = availablePartners(cfg, covered, lookup, [k, coverer])[0];
    if (handoffTo) return { ok: true, coverer, handoffTo };
  }
  const handoffTo = availablePartners(cfg, covered, lookup, [k])[0];
  if (!handoffTo) return { ok: false, code: "covering_no_handoff", covered };
  return { ok: true, coverer: null, handoffTo };
}

/** Live partners of `k` that can cover now, in preference order, minus `exclude`. */
export function availablePartners(
  cfg: RestConfig,
  k: KernelRestState,
  lookup: PartnerLookup,
  exclude: readonly KernelRestState[],
): KernelRestState[] {
  const out: KernelRestState[] = [];
  for (const name of lookup.partnersOf(k)) {
    const p = lookup.live(name);
    if (p && !exclude.includes(p) && canCover(cfg, p)) out.push(p);
  }
  return out;
}
