/**
 * `autonomic simulate`: the whole control loop in-process, in virtual time (SPEC §8).
 * The simulated kernels report to the real RestService and HealthService on a real
 * store (in-memory SQLite unless a file or postgres:// URL is given), ask for rest when
 * told to, and the report says what happened. Everything random comes from the seed and
 * time from a ManualClock, so one seed gives one report, byte for byte.
 *
 * Heart's and Ocean's consensus runs every `cycles.consensusIntervalSeconds` through the
 * real CycleService; the "exhausted" scenario gives it a constellation SLEEP is for.
 *
 * @example
 * const report = await simulate({ registry, hours: 24, seed: 7 });
 * report.coverage_gap_seconds; // 0
 * (await simulate({ registry, hours: 2, seed: 1, scenario: "exhausted" })).cycles[0]?.type; // "sleep"
 */
import { pino } from "pino";
import { ManualClock } from "../core/clock.js";
import { type AutonomicConfig, buildConfig } from "../core/config.js";
import { VOTERS, type Voter } from "../core/cycles/cycle-types.js";
import { InvalidInputError } from "../core/errors.js";
import { HealthMonitor } from "../core/health/monitor.js";
import type { Registry } from "../core/registry/registry.js";
import type { KernelStatus } from "../core/rest/status.js";
import { openServices } from "../services/open-services.js";
import { openStore } from "../store/open-store.js";
import { Constellation, type RestView, SIM_SCENARIOS, type SimScenario } from "./constellation.js";
import { type CycleDecisionFigures, CycleRecord, type SimCycle } from "./cycle-record.js";
import { type DetectionFigures, FaultDetection, type FaultRecord } from "./fault-detection.js";
import { type FaultSpec, randomFaults } from "./faults.js";
import { HealingTracker, type PatchFigures } from "./healing-tracker.js";
import type { SimModelConstants, SimRestMode } from "./kernel-model.js";
import { SeededRandom } from "./random.js";
import { answerActions, joiningReports, type RoundServices, reportRound } from "./report-round.js";
import { RestAccounting, type RestFigures } from "./rest-accounting.js";
import { type ContextFigures, ContextLedger } from "./rest-context.js";
import { WithheldVote } from "./withheld-vote.js";

/** Virtual time starts here, so reports do not depend on when they were run. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);

export interface SimulateOptions {
  registry: Registry;
  hours: number;
  seed: number;
  /** Total kernels (gods first, then chaos workers); default: the registry's gods. */
  kernels?: number;
  /** Self-healing phase 1–4 (healing arrives with the self-healing work; 1 only monitors). */
  phase?: number;
  /** What the constellation has been through before the run (constellation.ts); default "normal". */
  scenario?: SimScenario;
  /** This voter casts "no" on SLEEP through the cycle service for the whole run. */
  withholdVote?: Voter;
  faults?: readonly FaultSpec[];
  /**
   * Overrides of the kernels' model constants. By default each fault shows only its own
   * symptoms; HELPED_SYMPTOMS gives every fault the extra drift and errors it once had.
   */
  model?: Partial<SimModelConstants>;
  /** Also inject this many faults at random kernels, types and times (from the seed). */
  randomFaults?: number;
  /** SQLite file or postgres:// URL; default a private in-memory SQLite database. */
  store?: string;
  config?: AutonomicConfig;
  /** Virtual seconds per step: the rest scheduler ticks and kernels advance this often. */
  stepSeconds?: number;
  /** Virtual seconds between a kernel's reports (fatigue and a health snapshot). */
  reportEverySeconds?: number;
  /** A kernel silent this long is detected as crashed. */
  silentAfterSeconds?: number;
  /** Model constants for particular kernels (by kernel id or god name), e.g. one noisier than the rest. */
  kernelModels?: Readonly<Record<string, Partial<SimModelConstants>>>;
  /** Called about once per simulated hour. */
  onProgress?: (progress: { simulatedSeconds: number; totalSeconds: number }) => void;
}

export interface SimulationReport extends RestFigures {
  seed: number;
  scenario: SimScenario;
  phase: number;
  kernels: number;
  hours: number;
  snapshots: number;
  /** Context transfer, counted from the kernels' side. */
  contexts: ContextFigures;
  faults: FaultRecord[];
  patches: PatchFigures;
  alerts: number;
  /** The voter that withheld its SLEEP vote, or null. */
  withheld_vote: Voter | null;
  cycles: SimCycle[];
  cycle_decisions: CycleDecisionFigures;
  detection: DetectionFigures;
}

const STATUS_MODE: Record<string, SimRestMode> = {
  active: "active",
  resting: "resting",
  reduced: "reduced",
  micro_pause: "micro_pause",
};

export async function simulate(options: SimulateOptions): Promise<SimulationReport> {
  const stepSeconds = options.stepSeconds ?? 10;
  const reportEvery = options.reportEverySeconds ?? 60;
  validate(options, stepSeconds, reportEvery);
  const config = options.config ?? buildConfig();
  const clock = new ManualClock(SIM_EPOCH_MS);
  const logger = pino({ level: "silent" });
  const rng = new SeededRandom(options.seed);
  const scenario = options.scenario ?? "normal";
  const constellation = new Constellation({
    registry: options.registry,
    rng: rng.fork("constellation"),
    kernels: options.kernels,
    basinDimension: config.health.defaultBasinDimension,
    coverLoadFraction: config.rest.coverLoadFraction,
    scenario,
    kernelModels: options.kernelModels,
    model: options.model,
  });
  const totalSeconds = Math.round(options.hours * 3600);
  const faults = [...(options.faults ?? [])];
  if (options.randomFaults) {
    const names = constellation.members.map((m) => m.kernelName);
    faults.push(...randomFaults(rng.fork("faults"), names, options.randomFaults, options.hours));
  }
  constellation.schedule(faults);

  const store = await openStore(options.store ?? ":memory:");
  try {
    // Ids from counters, not random UUIDs, so the same seed gives the same report.
    let ids = 0;
    const { rest, health, actions, alerts, healing, cycles } = await openServices({
      config,
      store,
      clock,
      logger,
      registry: options.registry,
      ids: { action: () => `act_${++ids}`, patch: () => `pat_${++ids}`, alert: () => `alert_${++ids}` },
    });
    for (let phase = 1; phase < (options.phase ?? 1); phase++)
      await healing.advancePhase({
        force: true,
        reason: `the simulation starts in phase ${options.phase}`,
        actor: "simulator",
      });
    const tracker = new HealingTracker();
    healing.events.subscribe((e) => tracker.onEvent(e));
    let alertCount = 0;
    alerts.events.subscribe((e) => {
      if (e.type === "alert_raised") alertCount += 1;
    });
    const truth = new HealthMonitor({ config, clock });
    const detection = new FaultDetection(
      health.monitor,
      truth,
      (id) => constellation.get(id)?.kernel.activeFaults() ?? [],
      { silentAfterSeconds: options.silentAfterSeconds ?? 5 * reportEvery, confirmSnapshots: 5 },
    );
    const accounting = new RestAccounting(SIM_EPOCH_MS, coordinatedPairs(constellation));
    rest.events.subscribe((e) => accounting.onEvent(e));
    const cycleRecord = new CycleRecord(SIM_EPOCH_MS);
    cycles.events.subscribe((e) => cycleRecord.onEvent(e));
    const contexts = new ContextLedger();
    const withheld = options.withholdVote
      ? new WithheldVote(options.withholdVote, cycles, config.cycles.castVoteTtlSeconds)
      : null;
    health.events.subscribe((e) => {
      if (
        e.type === "health_status_changed" &&
        e.from === "healthy" &&
        (e.to === "warning" || e.to === "critical")
      )
        detection.onset(e.kernel_id);
    });
    for (const m of constellation.members) {
      await rest.register(m.kernel.kernelId, m.kernelName, m.mentor);
      // An exhausted constellation's first snapshots are already on their way out: drift is
      // measured from the home basin each kernel declares as it joins, not from those.
      if (scenario === "exhausted")
        await health.setBaseline(m.kernel.kernelId, Array.from(m.kernel.baseline), "simplex");
    }

    let statuses = statusMap(rest.kernels());
    const view = (id: string): RestView => {
      const s = statuses.get(id);
      return {
        mode: STATUS_MODE[s?.status ?? "active"] ?? "active",
        coveringFor: s?.covering_for ?? null,
        coverShare: s?.cover_share ?? 0,
      };
    };
    const round: RoundServices = { constellation, rest, health, truth, accounting, contexts };
    if (scenario === "exhausted") await joiningReports(round);
    const consensusEvery = config.cycles.consensusIntervalSeconds;
    let nextConsensus = consensusEvery;
    let snapshots = 0;
    for (let elapsed = stepSeconds; elapsed <= totalSeconds; elapsed += stepSeconds) {
      clock.advanceSeconds(stepSeconds);
      for (const { kernelId, spec } of constellation.step(clock.now(), elapsed, stepSeconds, view)) {
        detection.injected(kernelId, constellation.get(kernelId)?.kernelName ?? kernelId, spec.type, elapsed);
      }
      if (elapsed % reportEvery === 0) {
        snapshots += await reportRound(round, clock.now());
        detection.check(elapsed, clock.now() / 1000);
        await answerActions(constellation, actions, (kernel, fault, patchId) =>
          tracker.cured(detection.records, kernel, fault, patchId, elapsed),
        );
        await healing.settled();
      }
      await actions.expireOverdue();
      await healing.tick();
      if (elapsed % config.healing.loopIntervalSeconds === 0) await healing.loopTick();
      await healing.settled();
      await rest.tick();
      if (elapsed >= nextConsensus) {
        await withheld?.renew(clock.now());
        await cycles.tick();
        nextConsensus += consensusEvery;
      }
      statuses = statusMap(rest.kernels());
      accounting.sample(statuses, stepSeconds);
      if (options.onProgress && elapsed % 3600 === 0)
        options.onProgress({ simulatedSeconds: elapsed, totalSeconds });
    }
    await alerts.drain();
    tracker.finish(detection.records);
    const gods = new Map(
      constellation.members.filter((m) => m.god).map((m) => [m.kernel.kernelId, m.god as string]),
    );
    return {
      seed: options.seed,
      scenario,
      phase: options.phase ?? 1,
      kernels: constellation.members.length,
      hours: options.hours,
      snapshots,
      ...accounting.figures(clock.now(), gods),
      contexts: contexts.figures(),
      faults: detection.records,
      patches: tracker.figures(),
      alerts: alertCount,
      withheld_vote: options.withholdVote ?? null,
      cycles: cycleRecord.list(),
      cycle_decisions: cycleRecord.decisionFigures(),
      detection: detection.figures(),
    };
  } finally {
    await store.close();
  }
}

function statusMap(statuses: KernelStatus[]): Map<string, KernelStatus> {
  return new Map(statuses.map((s) => [s.kernel_id, s]));
}

function coordinatedPairs(constellation: Constellation): [string, string][] {
  const pairs: [string, string][] = [];
  for (const m of constellation.members) {
    if (m.policy !== "coordinated_alternating" || !m.partner) continue;
    const id = m.kernel.kernelId;
    if (constellation.get(m.partner) && id < m.partner) pairs.push([id, m.partner]);
  }
  return pairs;
}

function validate(options: SimulateOptions, stepSeconds: number, reportEvery: number): void {
  if (!(options.hours > 0 && options.hours <= 24 * 365))
    throw new InvalidInputError("hours", "must be in (0, 8760]");
  if (!Number.isSafeInteger(options.seed)) throw new InvalidInputError("seed", "must be an integer");
  if (options.phase !== undefined && ![1, 2, 3, 4].includes(options.phase))
    throw new InvalidInputError("phase", "must be 1, 2, 3 or 4");
  if (options.scenario !== undefined && !SIM_SCENARIOS.includes(options.scenario))
    throw new InvalidInputError("scenario", `must be one of ${SIM_SCENARIOS.join(", ")}`);
  if (options.withholdVote !== undefined && !VOTERS.includes(options.withholdVote))
    throw new InvalidInputError("withholdVote", `must be one of ${VOTERS.join(", ")}`);
  if (!(Number.isInteger(stepSeconds) && stepSeconds > 0))
    throw new InvalidInputError("stepSeconds", "must be a positive integer");
  if (!(Number.isInteger(reportEvery) && reportEvery % stepSeconds === 0))
    throw new InvalidInputError("reportEverySeconds", "must be a multiple of stepSeconds");
  if (
    options.randomFaults !== undefined &&
    !(Number.isInteger(options.randomFaults) && options.randomFaults >= 0)
  )
    throw new InvalidInputError("randomFaults", "must be a non-negative integer");
}
