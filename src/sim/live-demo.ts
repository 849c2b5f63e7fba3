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
import { ScaledClock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import type { Registry } from "../core/registry/registry.js";
import type { ConstellationStatus } from "../core/rest/status.js";
import { KernelClient } from "../sdk/client.js";
import { type RunningServer, startServer } from "../server/serve.js";
import { Constellation, type RestView } from "./constellation.js";
import { type FaultSpec, REMEDIATION_TYPES, randomFaults } from "./faults.js";
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

export interface DemoStatus {
  url: string;
  speed: number;
  /** Virtual seconds since the demo began. */
  elapsedSeconds: number;
  constellation: ConstellationStatus;
  byStatus: Record<string, number>;
  coverage: { coverer: string; covered: string }[];
  worst: { kernel_id: string; status: string; issue: string | null } | null;
  healing: { phase: number; open_patches: number; last: string | null };
  reportErrors: number;
}

export interface LiveDemo {
  server: RunningServer;
  status(): DemoStatus;
  stop(): Promise<void>;
}

/** Wall milliseconds between model steps. */
const STEP_WALL_MS = 100;

export async function startLiveDemo(options: LiveDemoOptions): Promise<LiveDemo> {
  const clock = new ScaledClock(Date.now(), options.speed);
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
  const clients = new Map<string, KernelClient>();
  let reportErrors = 0;
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
      client.handle(type, (params, { dryRun }) => {
        const outcome = member.kernel.apply(type, params, dryRun);
        if (!outcome.ok) throw new Error(outcome.error ?? `${type} failed`);
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
  let stopped = false;
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const now = clock.now();
    const elapsed = (now - startMs) / 1000;
    constellation.step(now, elapsed, (now - lastMs) / 1000, view);
    lastMs = now;
    if (elapsed < nextReportAt) return;
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
    inFlight = Promise.all(reports);
  }, STEP_WALL_MS);

  return {
    server,
    status: () => demoStatus(server, options.speed, (clock.now() - startMs) / 1000, reportErrors, lastPatch),
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

function demoStatus(
  server: RunningServer,
  speed: number,
  elapsedSeconds: number,
  reportErrors: number,
  lastPatch: string | null,
): DemoStatus {
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
