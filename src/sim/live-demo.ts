/**
 * `autonomic demo`: the real server on a sped-up clock, and a simulated constellation
 * that lives against it over HTTP through the Kernel SDK, exactly as real kernels would:
 * each kernel registers, reports snapshots and fatigue, asks for rest when its directive
 * says so (autoRest), runs remediation actions through its handlers, and learns its own
 * rest status and coverage from the directives it gets back.
 *
 * @example
 * const demo = await startLiveDemo({ config, registry, speed: 120, seed: 1 });
 * // … demo.status() for the table …
 * await demo.stop();
 */
import type { Logger } from "pino";
import type { AutonomicConfig } from "../core/config.js";
import type { Registry } from "../core/registry/registry.js";
import type { ConstellationStatus } from "../core/rest/status.js";
import { KernelClient } from "../sdk/client.js";
import { type RunningServer, startServer } from "../server/serve.js";
import { Constellation, type RestView } from "./constellation.js";
import { DemoClock } from "./demo-clock.js";
import { type FaultSpec, type FaultType, REMEDIATION_TYPES, randomFaults } from "./faults.js";
import type { SimRestMode } from "./kernel-model.js";
import { SeededRandom } from "./random.js";

export interface LiveDemoOptions {
  config: AutonomicConfig;
  registry: Registry;
  /** Virtual seconds per wall second. */
  speed: number;
  seed: number;
  kernels?: number;
  faults?: readonly FaultSpec[];
  /** Random faults over the first `randomFaultHours` of demo time (0: none). */
  randomFaults?: number;
  randomFaultHours?: number;
  /** The self-healing phase the demo runs in; it is advanced there with a recorded reason. */
  phase?: number;
  logger?: Logger;
  /** Virtual seconds between a kernel's reports. */
  reportEverySeconds?: number;
}

/** A line of the demo's story: a fault it injected starting or ending, or an alert the server raised. */
export interface DemoEvent {
  /** Virtual seconds since the demo began. */
  atSeconds: number;
  kind: "fault_started" | "fault_ended" | "alert";
  kernel_id: string;
  text: string;
}

/** Events kept for the table (the newest). */
const RECENT_EVENTS = 8;

export interface DemoStatus {
  url: string;
  speed: number;
  /** Virtual seconds per wall second so far: below `speed` when the clock waited for the kernels. */
  effectiveSpeed: number;
  /** Virtual seconds since the demo began. */
  elapsedSeconds: number;
  constellation: ConstellationStatus;
  byStatus: Record<string, number>;
  coverage: { coverer: string; covered: string }[];
  worst: { kernel_id: string; status: string; issue: string | null } | null;
  healing: { phase: number; open_patches: number; last: string | null };
  reportErrors: number;
  /** Faults injected and not yet ended, by kernel. */
  activeFaults: { kernel_id: string; kernel_name: string; type: FaultType; sinceSeconds: number }[];
  /** The newest faults started and ended and alerts raised, oldest first. */
  events: DemoEvent[];
}

export interface LiveDemo {
  server: RunningServer;
  status(): DemoStatus;
  stop(): Promise<void>;
}

/** Wall milliseconds between model steps. */
const STEP_WALL_MS = 100;

export async function startLiveDemo(options: LiveDemoOptions): Promise<LiveDemo> {
  const clock = new DemoClock(Date.now(), options.speed);
  const server = await startServer(options.config, { clock, logger: options.logger });
  const startMs = clock.now();
  const reportEvery = options.reportEverySeconds ?? 60;
  const constellation = new Constellation({
    registry: options.registry,
    rng: new SeededRandom(options.seed).fork("constellation"),
    kernels: options.kernels,
    basinDimension: options.config.health.defaultBasinDimension,
    coverLoadFraction: options.config.rest.coverLoadFraction,
  });
  if (options.faults) constellation.schedule(options.faults);
  if (options.randomFaults) {
    const names = constellation.members.map((m) => m.kernelName);
    const rng = new SeededRandom(options.seed).fork("faults");
    constellation.schedule(randomFaults(rng, names, options.randomFaults, options.randomFaultHours ?? 24));
  }
  for (let phase = server.healing.phase; phase < (options.phase ?? 1); phase++)
    await server.healing.advancePhase({
      force: true,
      reason: `the demo runs in phase ${options.phase}`,
      actor: "demo",
    });
  let lastPatch: string | null = null;
  server.healing.events.subscribe((e) => {
    if (e.type === "patch_changed") lastPatch = `${e.kernel_id} ${e.action_type} → ${e.to}`;
  });
  const elapsedNow = () => (clock.now() - startMs) / 1000;
  const events: DemoEvent[] = [];
  const record = (event: DemoEvent) => {
    events.push(event);
    if (events.length > RECENT_EVENTS) events.shift();
  };
  /** Faults injected and not ended, per kernel id: type → virtual second it started. */
  const injected = new Map<string, Map<FaultType, number>>();
  /** The last action each kernel ran for real, to name what ended a fault. */
  const lastAction = new Map<string, string>();
  const nameOf = (kernelId: string) =>
    constellation.members.find((m) => m.kernel.kernelId === kernelId)?.kernelName ?? kernelId;
  // An alert beside the faults it may come from, so cause and effect read together.
  server.alerts.events.subscribe((e) => {
    if (e.type !== "alert_raised") return;
    const kernel = e.kernel_id ?? "";
    const faults = [...(injected.get(kernel)?.entries() ?? [])].map(
      ([type, since]) => `${type} injected at +${formatElapsed(since)}`,
    );
    record({
      atSeconds: elapsedNow(),
      kind: "alert",
      kernel_id: kernel,
      text: `${e.kind}: ${e.text}${faults.length ? ` [${faults.join(", ")}]` : " [no fault injected]"}`,
    });
  });
  const clients = new Map<string, KernelClient>();
  let reportErrors = 0;
  let stopped = false;
  // A kernel acts on an action after the report that brought it, as a real one would, not at
  // the same virtual instant: the clock stands still while a round is in flight, and an action
  // answered then would be applied exactly on a report time, so each verification measurement
  // would fall due on the instant its snapshot is still on the way (and find none).
  const pastThisInstant = async () => {
    const at = clock.now();
    while (clock.now() <= at && !stopped) await new Promise((r) => setTimeout(r, STEP_WALL_MS));
  };
  for (const member of constellation.members) {
    const client = new KernelClient({
      url: server.url,
      kernelId: member.kernel.kernelId,
      kernelName: member.kernelName,
      mentor: member.mentor ?? undefined,
      token: options.config.access.kernelToken ?? undefined,
      autoRest: true,
      flushIntervalMs: 0,
    });
    for (const type of REMEDIATION_TYPES) {
      client.handle(type, async (params, { dryRun }) => {
        await pastThisInstant();
        const outcome = member.kernel.apply(type, params, dryRun);
        if (!outcome.ok) throw new Error(outcome.error ?? `${type} failed`);
        if (!dryRun) lastAction.set(member.kernel.kernelId, type);
        return outcome.predicted;
      });
    }
    client.on("error", () => {
      reportErrors += 1;
    });
    await client.register();
    clients.set(member.kernel.kernelId, client);
  }

  const view = (id: string): RestView => {
    const rest = clients.get(id)?.directive?.rest;
    return {
      mode: (rest?.status ?? "active") as SimRestMode,
      coveringFor: rest?.covering_for ?? null,
      coverShare: rest?.cover_share ?? 0,
    };
  };
  let lastMs = startMs;
  let nextReportAt = reportEvery;
  let inFlight: Promise<unknown> = Promise.resolve();
  let roundDone = true;
  clock.stopAt(startMs + nextReportAt * 1000);
  const timer = setInterval(() => {
    // Kernels still sending the last round are behind the clock: it waits for them (the
    // server reads the same clock, so it sees no silence that is only the demo's lag).
    clock.tick(!roundDone);
    if (!roundDone) return;
    const now = clock.now();
    const elapsed = (now - startMs) / 1000;
    for (const { kernelId, spec } of constellation.step(now, elapsed, (now - lastMs) / 1000, view)) {
      const faults = injected.get(kernelId) ?? new Map<FaultType, number>();
      if (faults.has(spec.type)) continue;
      faults.set(spec.type, elapsed);
      injected.set(kernelId, faults);
      record({
        atSeconds: elapsed,
        kind: "fault_started",
        kernel_id: kernelId,
        text: `${nameOf(kernelId)} ${spec.type} injected${spec.type === "crash" ? ": it stops reporting, so kernel_silent follows" : ""}`,
      });
    }
    for (const { kernel } of constellation.members) {
      const faults = injected.get(kernel.kernelId);
      if (!faults) continue;
      for (const [type, since] of faults)
        if (!kernel.activeFaults().includes(type)) {
          faults.delete(type);
          const by = lastAction.get(kernel.kernelId);
          record({
            atSeconds: elapsed,
            kind: "fault_ended",
            kernel_id: kernel.kernelId,
            text: `${nameOf(kernel.kernelId)} ${type} ended after ${formatElapsed(elapsed - since)}${by ? ` (last action: ${by})` : ""}`,
          });
        }
    }
    lastMs = now;
    if (elapsed < nextReportAt) return;
    // The clock stood at this report time (its barrier) until now: the round goes out at it.
    nextReportAt = Math.floor(elapsed / reportEvery + 1) * reportEvery;
    const reports: Promise<unknown>[] = [];
    for (const { kernel } of constellation.members) {
      if (!kernel.reporting) continue;
      const client = clients.get(kernel.kernelId) as KernelClient;
      client.report(kernel.snapshot(now));
      reports.push(
        client.flush(),
        client.reportFatigue(kernel.fatigueSample()).catch(() => reportErrors++),
      );
    }
    roundDone = false;
    clock.tick(true);
    clock.stopAt(startMs + nextReportAt * 1000);
    inFlight = Promise.all(reports).finally(() => {
      // Time goes on the moment the round is in, not at the next step.
      roundDone = true;
      if (!stopped) clock.tick(false);
    });
  }, STEP_WALL_MS);

  return {
    server,
    status: () => ({
      ...demoStatus(server, options.speed, elapsedNow(), reportErrors, lastPatch),
      effectiveSpeed: clock.effectiveSpeed,
      activeFaults: [...injected].flatMap(([kernel_id, faults]) =>
        [...faults].map(([type, sinceSeconds]) => ({
          kernel_id,
          kernel_name: nameOf(kernel_id),
          type,
          sinceSeconds,
        })),
      ),
      events: [...events],
    }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await inFlight;
      await Promise.all([...clients.values()].map((c) => c.close(2000)));
      await server.close();
    },
  };
}

/** Virtual time since the start as "1h05m". */
export function formatElapsed(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h}h${String(m).padStart(2, "0")}m`;
}

function demoStatus(
  server: RunningServer,
  speed: number,
  elapsedSeconds: number,
  reportErrors: number,
  lastPatch: string | null,
): Omit<DemoStatus, "effectiveSpeed" | "activeFaults" | "events"> {
  const kernels = server.rest.kernels();
  const byStatus: Record<string, number> = { active: 0, resting: 0, reduced: 0, micro_pause: 0 };
  for (const k of kernels) byStatus[k.status] = (byStatus[k.status] ?? 0) + 1;
  const coverage = kernels
    .filter((k) => k.covering_for)
    .map((k) => ({ coverer: k.kernel_id, covered: k.covering_for as string }));
  const rank: Record<string, number> = { critical: 3, warning: 2, healthy: 1, insufficient_data: 0 };
  let worst: DemoStatus["worst"] = null;
  for (const report of server.health.monitor.degradedKernels()) {
    if (!worst || (rank[report.status] ?? 0) > (rank[worst.status] ?? 0))
      worst = {
        kernel_id: report.kernel_id,
        status: report.status,
        issue: report.findings[0]?.message ?? null,
      };
  }
  return {
    url: server.url,
    speed,
    elapsedSeconds,
    constellation: server.rest.constellation(),
    byStatus,
    coverage,
    worst,
    healing: {
      phase: server.healing.phase,
      open_patches: server.healing.openPatches().length,
      last: lastPatch,
    },
    reportErrors,
  };
}
