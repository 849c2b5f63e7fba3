/**
 * Who may join the constellation (SPEC §1): a god is singular, a chaos kernel must follow
 * the naming pattern and the registry's spawning limits. The roster indexes live kernels
 * by name so partners are found by god name in O(1).
 *
 * Chaos limits, as we read the registry: `total_active_limit` counts live chaos kernels,
 * `per_domain_limit` live ones per domain, and `max_chaos_kernels` every chaos name ever
 * spawned here (pruned kernels go to Hades's archive and may be revived, so they keep
 * their slot; reviving the same name takes no new one). A *retired* kernel is gone for good,
 * so it gives its slot back: every limit then counts only kernels that live or may be revived.
 */
import { ConflictError, InvalidInputError } from "../errors.js";
import { findGod, type GodContract, type Registry } from "../registry/registry.js";

export interface ResolvedName {
  /** Canonical name: the registry's spelling for a god, the name itself for chaos. */
  name: string;
  contract: GodContract | undefined;
  chaosDomain: string | null;
}

export class Roster {
  private readonly liveByName = new Map<string, string>();
  private readonly chaosLivePerDomain = new Map<string, number>();
  private chaosLive = 0;
  private readonly chaosEverSpawned = new Set<string>();

  constructor(private readonly registry: Registry) {}

  /** Resolves a kernel_name to a god contract or a chaos domain, or throws naming the field. */
  resolve(kernelName: string): ResolvedName {
    const god = findGod(this.registry, kernelName);
    if (god) return { name: god.name, contract: god, chaosDomain: null };
    const match = this.registry.chaos.namePattern.exec(kernelName);
    if (match) return { name: kernelName, contract: undefined, chaosDomain: match.groups?.domain ?? "" };
    throw new InvalidInputError(
      "kernel_name",
      `"${kernelName}" is neither a god of the registry nor a chaos kernel named ${this.registry.chaos.namingPattern}`,
    );
  }

  /** Checks that `name` may go live as `kernelId`; throws ConflictError otherwise. */
  assertCanJoin(kernelId: string, resolved: ResolvedName): void {
    const liveId = this.liveByName.get(resolved.name);
    if (liveId !== undefined && liveId !== kernelId) {
      throw new ConflictError(
        "already_live",
        `${resolved.name} is already live as ${liveId}; a god is singular`,
      );
    }
    if (resolved.chaosDomain === null) return;
    const limits = this.registry.chaos;
    if (this.chaosLive >= limits.totalActiveLimit) {
      throw new ConflictError(
        "chaos_limit",
        `chaos limit reached: ${this.chaosLive} of ${limits.totalActiveLimit} active`,
      );
    }
    const inDomain = this.chaosLivePerDomain.get(resolved.chaosDomain) ?? 0;
    if (inDomain >= limits.perDomainLimit) {
      throw new ConflictError(
        "chaos_domain_limit",
        `chaos limit reached: ${inDomain} of ${limits.perDomainLimit} in domain ${resolved.chaosDomain}`,
      );
    }
    if (!this.chaosEverSpawned.has(resolved.name) && this.chaosEverSpawned.size >= limits.maxChaosKernels) {
      throw new ConflictError(
        "chaos_total_limit",
        `chaos limit reached: ${this.chaosEverSpawned.size} of ${limits.maxChaosKernels} ever spawned`,
      );
    }
  }

  join(kernelId: string, resolved: ResolvedName): void {
    this.liveByName.set(resolved.name, kernelId);
    if (resolved.chaosDomain !== null) {
      this.chaosLive++;
      this.chaosLivePerDomain.set(
        resolved.chaosDomain,
        (this.chaosLivePerDomain.get(resolved.chaosDomain) ?? 0) + 1,
      );
      this.chaosEverSpawned.add(resolved.name);
    }
  }

  leave(name: string, chaosDomain: string | null): void {
    this.liveByName.delete(name);
    if (chaosDomain !== null) {
      this.chaosLive--;
      this.chaosLivePerDomain.set(chaosDomain, (this.chaosLivePerDomain.get(chaosDomain) ?? 1) - 1);
    }
  }

  /** The id a name is live under, if any. */
  liveId(name: string): string | undefined {
    return this.liveByName.get(name);
  }

  everSpawnedChaos(): string[] {
    return [...this.chaosEverSpawned];
  }

  /** A retired chaos name: it frees its place under max_chaos_kernels. */
  forgetSpawned(name: string): void {
    this.chaosEverSpawned.delete(name);
  }

  rememberSpawned(names: Iterable<string>): void {
    for (const n of names) this.chaosEverSpawned.add(n);
  }
}
