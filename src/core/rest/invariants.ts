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
    if (k.coveredAlsoBy !== null && k.coveredBy === null)
      out.push(`${k.kernelId} has a second coverer ${k.coveredAlsoBy} but no first`);
    if (k.coveredAlsoBy !== null && k.coveredAlsoBy === k.coveredBy)
      out.push(`${k.kernelId} is covered twice by ${k.coveredBy}`);
    let shares = 0;
    for (const coverer of [k.coveredBy, k.coveredAlsoBy]) {
      if (coverer === null) continue;
      const c = byId.get(coverer);
      if (!c) out.push(`${k.kernelId} is covered by unknown ${coverer}`);
      else {
        if (c.status !== "active")
          out.push(`${k.kernelId} is covered by ${c.kernelId}, which is ${c.status}`);
        if (c.coveringFor !== k.kernelId)
          out.push(`${c.kernelId} covers ${c.coveringFor}, not ${k.kernelId}`);
        shares += c.coverShare;
      }
      const other = coverers.get(coverer);
      if (other) out.push(`${coverer} covers both ${other} and ${k.kernelId}`);
      coverers.set(coverer, k.kernelId);
      if (k.status === "active") out.push(`${k.kernelId} is active but still covered by ${coverer}`);
    }
    // Multi-partner coverage: the coverers carry all of the carried load between them.
    if (k.coveredBy !== null && Math.abs(shares - 1) > 1e-6)
      out.push(`${k.kernelId}'s coverers' shares add up to ${shares}, not 1`);
    if (k.coveringFor !== null) {
      const covered = byId.get(k.coveringFor);
      if (!covered || (covered.coveredBy !== k.kernelId && covered.coveredAlsoBy !== k.kernelId))
        out.push(`${k.kernelId} claims to cover ${k.coveringFor}, who does not know`);
      if (!(k.coverShare > 0 && k.coverShare <= 1))
        out.push(`${k.kernelId} covers ${k.coveringFor} with share ${k.coverShare}`);
    } else if (k.coverShare !== 0) out.push(`${k.kernelId} covers nobody but has share ${k.coverShare}`);
    if (k.restCycle !== null && k.status === "active")
      out.push(`${k.kernelId} is active but marked resting in a ${k.restCycle} cycle`);
    // A cycle rest is acknowledged by the consensus of Heart and Ocean, as force is for one rest.
    const acknowledged = k.restForced || k.restCycle !== null;
    const needsCover = k.status === "resting" || k.status === "micro_pause";
    if (needsCover && !acknowledged && k.coveredBy === null)
      out.push(`coverage gap: ${k.kernelId} rests uncovered without force`);
    if (k.status === "resting" && !acknowledged) {
      for (const name of alternatingPairNames(k.kernelName, gods)) {
        const p = byName.get(name);
        if (p && p.status === "resting" && !p.restForced && p.restCycle === null)
          out.push(`alternating pair ${k.kernelId} and ${p.kernelId} both RESTING`);
      }
    }
  }
  return out;
}
