/**
 * Chooses who covers a kernel going to rest and, when that kernel is itself covering
 * someone, who takes that over (handoff): coverage is never silently dropped.
 *
 * Carrying (multi-partner coverage, WP5.4 next step 5): a resting kernel's coverers take on
 * `coverLoadFraction` of its load between them. One partner carries it alone when its own
 * load plus that stays within `coverLoadMax`; when no single partner can, the first pair (in
 * partner order) whose room adds up to it shares it, each in proportion to its room, so
 * neither goes over. Every coverer still passes `canCover`: shared coverage never lowers the
 * bar a single coverer must meet. When neither works, the first partner that can cover takes
 * the kernel alone over its room: SPEC grants a rest whenever a partner can cover, and load
 * room decides how coverage is arranged, never whether a rest SPEC allows is granted.
 */
import type { RestConfig } from "../config.js";
import { canCover } from "./coverage.js";
import type { KernelRestState } from "./kernel-state.js";

/** One coverer and its share of the carried load (1 alone). */
export interface CoverAssignment {
  kernel: KernelRestState;
  share: number;
}

export type CoveragePlan =
  | { ok: true; coverers: CoverAssignment[]; handoffTo: KernelRestState | null }
  | { ok: false; code: "covering_no_handoff"; covered: KernelRestState };

export type LiveLookup = (godName: string) => KernelRestState | undefined;

/** Where to look: live kernels by god name, and each kernel's partner names in preference order. */
export interface PartnerLookup {
  live: LiveLookup;
  partnersOf: (k: KernelRestState) => readonly string[];
}

/** What a kernel's coverers carry between them if it rests now. */
export function carriedLoad(cfg: RestConfig, k: KernelRestState): number {
  return cfg.coverLoadFraction * k.load;
}

/** Load a partner can still take on before it reaches coverLoadMax. */
export function roomOf(cfg: RestConfig, partner: KernelRestState): number {
  return Math.max(0, cfg.coverLoadMax - partner.load);
}

// A share computed from floating-point room may miss by an ulp; never refuse on that.
const EPSILON = 1e-9;

/**
 * @param needsCover whether the rest mode needs a coverer (REDUCED does not)
 * @param covered the kernel `k` currently covers, if any
 * @returns the first coverage in partner order (one partner before two) for which a
 *   handoff also works; `coverers: []` when none can cover (the caller refuses, forces or reduces).
 */
export function planCoverage(
  cfg: RestConfig,
  k: KernelRestState,
  needsCover: boolean,
  covered: KernelRestState | null,
  lookup: PartnerLookup,
): CoveragePlan {
  if (covered === null) {
    if (!needsCover) return { ok: true, coverers: [], handoffTo: null };
    // The common case, on the hot path: a partner carries the kernel alone. Found without the
    // lists coverageOptions builds; those are for when none can.
    const carried = carriedLoad(cfg, k);
    for (const name of lookup.partnersOf(k)) {
      const p = lookup.live(name);
      if (p && canCover(cfg, p) && roomOf(cfg, p) + EPSILON >= carried)
        return { ok: true, coverers: [{ kernel: p, share: 1 }], handoffTo: null };
    }
    const first = coverageOptions(cfg, k, lookup, [], true)[0];
    return { ok: true, coverers: first ?? [], handoffTo: null };
  }
  const options = needsCover ? coverageOptions(cfg, k, lookup, [], false) : [];
  const share = k.coverShare * covered.carriedLoad;
  for (const option of options) {
    const taken = option.map((a) => a.kernel);
    const handoffTo = handoffPartner(cfg, covered, share, lookup, [k, ...taken]);
    if (handoffTo) return { ok: true, coverers: option, handoffTo };
  }
  const handoffTo = handoffPartner(cfg, covered, share, lookup, [k]);
  if (!handoffTo) return { ok: false, code: "covering_no_handoff", covered };
  return { ok: true, coverers: [], handoffTo };
}

/**
 * Every way `k` can be covered now, best first: each single partner that can carry it
 * alone, then each pair that can share it, then each partner alone over its room. With `firstOnly`, it stops at the first, so
 * the common case (the designated partner carries alone) costs one check.
 */
export function coverageOptions(
  cfg: RestConfig,
  k: KernelRestState,
  lookup: PartnerLookup,
  exclude: readonly KernelRestState[],
  firstOnly: boolean,
): CoverAssignment[][] {
  const partners = availablePartners(cfg, k, lookup, exclude);
  const carried = carriedLoad(cfg, k);
  const out: CoverAssignment[][] = [];
  for (const p of partners) {
    if (roomOf(cfg, p) + EPSILON < carried) continue;
    out.push([{ kernel: p, share: 1 }]);
    if (firstOnly) return out;
  }
  for (let i = 0; i < partners.length; i++) {
    for (let j = i + 1; j < partners.length; j++) {
      const a = partners[i] as KernelRestState;
      const b = partners[j] as KernelRestState;
      const roomA = roomOf(cfg, a);
      const roomB = roomOf(cfg, b);
      // A pair only when neither could carry alone: otherwise the single option above serves.
      if (roomA + EPSILON >= carried || roomB + EPSILON >= carried) continue;
      if (roomA + roomB + EPSILON < carried || roomA <= 0 || roomB <= 0) continue;
      const shareA = roomA / (roomA + roomB);
      out.push([
        { kernel: a, share: shareA },
        { kernel: b, share: 1 - shareA },
      ]);
      if (firstOnly) return out;
    }
  }
  for (const p of partners) {
    if (roomOf(cfg, p) + EPSILON >= carried) continue;
    out.push([{ kernel: p, share: 1 }]);
    if (firstOnly) return out;
  }
  return out;
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

/** The first partner of `covered` that can take over a share of `load` from a coverer going to rest. */
function handoffPartner(
  cfg: RestConfig,
  covered: KernelRestState,
  load: number,
  lookup: PartnerLookup,
  exclude: readonly KernelRestState[],
): KernelRestState | undefined {
  const others = [covered.coveredBy, covered.coveredAlsoBy];
  return availablePartners(cfg, covered, lookup, exclude).find(
    (p) => !others.includes(p.kernelId) && roomOf(cfg, p) + EPSILON >= load,
  );
}
