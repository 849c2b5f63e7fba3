/**
 * The invariants of SPEC §3 that must hold at every instant. Property tests check them
 * after every step; a restored state is checked before it is trusted.
 */
import { alternatingPairNames } from "./coverage.js";
import type { KernelRestState } from "./kernel-state.js";

export function invariantViolations(kernels: Iterable<Readonly<KernelRestState>>): string[] {
  const all = [...kernels];
  const byId = new Map(all.map((k) => [k.kernelId, k]));
  const byName = new Map(all.map((k) => [k.kernelName, k]));
  const out: string[] = [];
  const coverers = new Map<string, string>();
  const gods = all.flatMap((k) => (k.contract ? [k.contract] : []));
  for (const k of all) {
    if (k.tier === "essential" && k.status === "resting") out.push(`essential ${k.kernelId} is RESTING`);
    if (k.coveredBy !== null) {
      const c = byId.get(k.coveredBy);
      if (!c) out.push(`${k.kernelId} is covered by unknown ${k.coveredBy}`);
      else {
        if (c.status !== "active")
          out.push(`${k.kernelId} is covered by ${c.kernelId}, which is ${c.status}`);
        if (c.coveringFor !== k.kernelId)
          out.push(`${c.kernelId} covers ${c.coveringFor}, not ${k.kernelId}`);
      }
      const other = coverers.get(k.coveredBy);
      if (other) out.push(`${k.coveredBy} covers both ${other} and ${k.kernelId}`);
      coverers.set(k.coveredBy, k.kernelId);
      if (k.status === "active") out.push(`${k.kernelId} is active but still covered by ${k.coveredBy}`);
    }
    if (k.coveringFor !== null) {
      const covered = byId.get(k.coveringFor);
      if (!covered || covered.coveredBy !== k.kernelId)
        out.push(`${k.kernelId} claims to cover ${k.coveringFor}, who does not know`);
    }
    const needsCover = k.status === "resting" || k.status === "micro_pause";
    if (needsCover && !k.restForced && k.coveredBy === null)
      out.push(`coverage gap: ${k.kernelId} rests uncovered without force`);
    if (k.status === "resting" && !k.restForced) {
      for (const name of alternatingPairNames(k.kernelName, gods)) {
        const p = byName.get(name);
        if (p && p.status === "resting" && !p.restForced)
          out.push(`alternating pair ${k.kernelId} and ${p.kernelId} both RESTING`);
      }
    }
  }
  return out;
}
