/**
 * The simulated constellation: one SimKernel per god of the registry plus optional chaos
 * workers, stepped together in virtual time. It knows nothing of how rest is decided;
 * each step it is told every kernel's rest mode and whom it covers (by the in-process
 * services in `simulate`, by the server's directives in `demo`), so a covering kernel
 * carries part of its partner's load (SPEC §8).
 */
import { InvalidInputError } from "../core/errors.js";
import type { Registry } from "../core/registry/registry.js";
import type { FaultSpec } from "./faults.js";
import { SimKernel, type SimModelConstants, type SimRestMode } from "./kernel-model.js";
import { loadPatternFor, surgeLoad } from "./load.js";
import type { SeededRandom } from "./random.js";

/** Some kernels join already tired, as in a constellation that has been running for a while. */
const MIN_START_ENERGY = 0.02;

/**
 * What the constellation has been through before the run starts.
 * - "normal": staggered energies, each god's own day of load.
 * - "exhausted": a surge that has outlasted every kernel: all spent and exhausted, every
 *   one at near-full load (so no partner has room to cover another), collapsing and
 *   scattering — the state SPEC's SLEEP cycle is for.
 */
export type SimScenario = "normal" | "exhausted";
export const SIM_SCENARIOS: readonly SimScenario[] = ["normal", "exhausted"];

export interface SimMember {
  kernel: SimKernel;
  /** God name, or null for a chaos worker. */
  god: string | null;
  /** The name registered with the rest scheduler (god name or chaos name). */
  kernelName: string;
  mentor: string | null;
  tier: string;
  policy: string;
  partner: string | null;
}

/** What the rest side says about one kernel at this instant. */
export interface RestView {
  mode: SimRestMode;
  coveringFor: string | null;
  /** Share of the covered kernel's carried load this kernel takes: 1 alone, less when two share. */
  coverShare: number;
}

export interface ConstellationOptions {
  registry: Registry;
  rng: SeededRandom;
  /** Total kernels; gods first, the rest chaos workers. Default: the gods alone. */
  kernels?: number;
  basinDimension: number;
  /** Share of a resting kernel's load its coverers carry between them (config rest.coverLoadFraction). */
  coverLoadFraction: number;
  scenario?: SimScenario;
  /**
   * Model constants for particular kernels (by kernel id or god name) over the defaults: a
   * kernel noisier than the rest, say, for calibration to find.
   */
  kernelModels?: Readonly<Record<string, Partial<SimModelConstants>>>;
  /** Overrides of the kernels' model constants (kernel-condition.ts), e.g. HELPED_SYMPTOMS. */
  model?: Partial<SimModelConstants>;
}

export class Constellation {
  readonly members: SimMember[] = [];
  private readonly byId = new Map<string, SimMember>();
  private pendingFaults: { kernelId: string; spec: FaultSpec }[] = [];
  private readonly coverLoadFraction: number;
  private readonly kernelModels: Readonly<Record<string, Partial<SimModelConstants>>>;
  readonly scenario: SimScenario;
  private readonly model: Partial<SimModelConstants>;

  constructor(options: ConstellationOptions) {
    this.model = options.model ?? {};
    this.coverLoadFraction = options.coverLoadFraction;
    this.scenario = options.scenario ?? "normal";
    this.kernelModels = options.kernelModels ?? {};
    const gods = [...options.registry.gods.values()];
    const total = options.kernels ?? gods.length;
    if (!Number.isInteger(total) || total < 1)
      throw new InvalidInputError("kernels", "must be a positive integer");
    for (const god of gods.slice(0, total)) {
      this.add({
        kernelId: `${god.name.toLowerCase()}_1`,
        god: god.name,
        kernelName: god.name,
        mentor: null,
        tier: god.tier,
        policy: god.restPolicy.type,
        partner: god.restPolicy.partner ? `${god.restPolicy.partner.toLowerCase()}_1` : null,
        rng: options.rng,
        basinDimension: options.basinDimension,
      });
    }
    const domains = chaosDomains(options.registry);
    const perDomain = options.registry.chaos.perDomainLimit;
    const chaosCount = total - Math.min(total, gods.length);
    if (
      chaosCount > 0 &&
      chaosCount > Math.min(options.registry.chaos.totalActiveLimit, domains.length * perDomain)
    )
      throw new InvalidInputError(
        "kernels",
        `the registry allows ${gods.length} gods and ${options.registry.chaos.totalActiveLimit} active chaos kernels (${perDomain} per domain, ${domains.length} domains): ${total} is too many`,
      );
    for (let i = 0; i < chaosCount; i++) {
      const { domain, mentor } = domains[i % domains.length] as { domain: string; mentor: string };
      const name = `chaos_${domain}_${Math.floor(i / domains.length) + 1}`;
      this.add({
        kernelId: name,
        god: null,
        kernelName: name,
        mentor,
        tier: "chaos",
        policy: "chaos",
        partner: null,
        rng: options.rng,
        basinDimension: options.basinDimension,
      });
    }
  }

  get(kernelId: string): SimMember | undefined {
    return this.byId.get(kernelId);
  }

  /** Finds a member by kernel id or (case-insensitive) god name, for `--fault Apollo:…`. */
  resolve(name: string): SimMember {
    const member =
      this.byId.get(name) ?? this.members.find((m) => m.kernelName.toLowerCase() === name.toLowerCase());
    if (!member) throw new InvalidInputError("fault", `no simulated kernel named ${name}`);
    return member;
  }

  /** Schedules faults; each is injected by the first `step` at or after its time. */
  schedule(faults: readonly FaultSpec[]): void {
    for (const spec of faults)
      this.pendingFaults.push({ kernelId: this.resolve(spec.kernel).kernel.kernelId, spec });
    this.pendingFaults.sort((a, b) => a.spec.atSeconds - b.spec.atSeconds);
  }

  /**
   * Advances every kernel by `dtSeconds` to `atMs` (`elapsedSeconds` since the start),
   * injecting due faults first; returns the faults injected in this step.
   */
  step(
    atMs: number,
    elapsedSeconds: number,
    dtSeconds: number,
    view: (kernelId: string) => RestView,
  ): { kernelId: string; spec: FaultSpec }[] {
    const due: { kernelId: string; spec: FaultSpec }[] = [];
    while (
      this.pendingFaults.length > 0 &&
      (this.pendingFaults[0]?.spec.atSeconds ?? Infinity) <= elapsedSeconds
    ) {
      const next = this.pendingFaults.shift() as { kernelId: string; spec: FaultSpec };
      this.byId.get(next.kernelId)?.kernel.inject(next.spec.type, atMs);
      due.push(next);
    }
    for (const member of this.members) {
      const rest = view(member.kernel.kernelId);
      const covered = rest.coveringFor ? this.byId.get(rest.coveringFor) : undefined;
      const coverLoad = covered ? covered.kernel.load * this.coverLoadFraction * rest.coverShare : 0;
      member.kernel.step(atMs, dtSeconds, rest.mode, coverLoad);
    }
    return due;
  }

  private add(spec: {
    kernelId: string;
    god: string | null;
    kernelName: string;
    mentor: string | null;
    tier: string;
    policy: string;
    partner: string | null;
    rng: SeededRandom;
    basinDimension: number;
  }): void {
    const rng = spec.rng.fork(spec.kernelId);
    const exhausted = this.scenario === "exhausted";
    const kernel = new SimKernel(
      {
        kernelId: spec.kernelId,
        name: spec.kernelName,
        policyType: spec.policy,
        load: exhausted ? surgeLoad(rng.fork("surge")) : loadPatternFor(spec.god, rng.fork("load")),
        basinDimension: spec.basinDimension,
        // A constellation is not born all fresh at once: staggered energies spread the
        // rests over the day instead of sending every kernel to rest in the same hour.
        initialEnergy: exhausted ? 0 : rng.fork("energy").uniform(MIN_START_ENERGY, 1),
        initialExhaustion: exhausted ? 1 : 0,
      },
      rng,
      { ...this.model, ...(this.kernelModels[spec.kernelId] ?? this.kernelModels[spec.kernelName] ?? {}) },
    );
    const member: SimMember = {
      kernel,
      god: spec.god,
      kernelName: spec.kernelName,
      mentor: spec.mentor,
      tier: spec.tier,
      policy: spec.policy,
      partner: spec.partner,
    };
    this.members.push(member);
    this.byId.set(spec.kernelId, member);
  }
}

/** Chaos domains from the gods' own domains, each mentored by the god it came from. */
function chaosDomains(registry: Registry): { domain: string; mentor: string }[] {
  const out: { domain: string; mentor: string }[] = [];
  const seen = new Set<string>();
  for (const god of registry.gods.values()) {
    for (const raw of god.domains) {
      const domain = raw.toLowerCase().replace(/[^a-z0-9]+/g, "");
      if (!/^[a-z][a-z0-9]*$/.test(domain) || seen.has(domain)) continue;
      if (!registry.chaos.namePattern.test(`chaos_${domain}_1`)) continue;
      seen.add(domain);
      out.push({ domain, mentor: god.name });
    }
  }
  return out;
}
