/**
 * Who may cover whom (SPEC §3 "Coverage"). A partner can cover when it is active, not
 * already covering, and not too fatigued; partners come in the registry's order: the
 * designated partner first, then coupling affinity, live kernels only.
 */
import type { RestConfig } from "../config.js";
import type { KernelRestState } from "./kernel-state.js";

export function canCover(cfg: RestConfig, partner: KernelRestState): boolean {
  return (
    partner.status === "active" && partner.coveringFor === null && partner.fatigue <= cfg.partnerMaxFatigue
  );
}

/**
 * Partner god names in order of preference: the designated partner, then coupling
 * affinity; for a chaos kernel, its mentor. Duplicates and the kernel itself are dropped.
 */
export function partnerNames(k: KernelRestState): string[] {
  const names: string[] = [];
  const add = (name: string | undefined | null) => {
    if (name && name !== k.kernelName && !names.includes(name)) names.push(name);
  };
  if (k.contract) {
    add(k.contract.restPolicy.partner);
    for (const name of k.contract.couplingAffinity) add(name);
  } else {
    add(k.mentor);
  }
  return names;
}

/**
 * Kernels a coordinated_alternating pair binds to `k`: its own designated partner when
 * it alternates, and any alternating kernel that names it as partner. Two of a pair must
 * never both be RESTING unless one was forced.
 */
export function alternatingPairNames(k: KernelRestState, all: Iterable<KernelRestState>): string[] {
  const names: string[] = [];
  if (k.policy === "coordinated_alternating" && k.contract?.restPolicy.partner)
    names.push(k.contract.restPolicy.partner);
  for (const other of all) {
    if (
      other.policy === "coordinated_alternating" &&
      other.contract?.restPolicy.partner === k.kernelName &&
      !names.includes(other.kernelName)
    ) {
      names.push(other.kernelName);
    }
  }
  return names;
}
