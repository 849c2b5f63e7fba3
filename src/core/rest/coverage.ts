/**
 * Who may cover whom (SPEC §3 "Coverage"). A partner can cover when it is active, not
 * already covering, and not too fatigued; partners come in the registry's order: the
 * designated partner first, then coupling affinity, live kernels only.
 */
import type { RestConfig } from "../config.js";
import type { GodContract } from "../registry/registry.js";
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
 * Gods a coordinated_alternating pair binds to `godName`: its own designated partner
 * when it alternates, and any alternating god that names it as partner. Two of a pair
 * must never both be RESTING unless one was forced. Chaos kernels belong to no pair.
 */
export function alternatingPairNames(godName: string, gods: Iterable<GodContract>): string[] {
  const names: string[] = [];
  for (const god of gods) {
    const policy = god.restPolicy;
    if (policy.type !== "coordinated_alternating" || policy.partner === undefined) continue;
    const other = god.name === godName ? policy.partner : policy.partner === godName ? god.name : undefined;
    if (other !== undefined && !names.includes(other)) names.push(other);
  }
  return names;
}
