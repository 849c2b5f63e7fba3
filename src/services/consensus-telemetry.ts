/**
 * What Heart and Ocean vote on, gathered from real telemetry: the KernelWindows that
 * `constellationMetrics` reads, one per kernel that either has a rest registration or sends
 * health snapshots.
 *
 * - Φ, κ, the newest basin and the baseline come from the health monitor's rings, read in
 *   place (`HealthMonitor.readWindow`): the basins are the monitor's own arrays, and only the
 *   window's few Φ and κ values are written, into scratch arrays kept per kernel.
 * - Fatigue comes from the rest scheduler, which keeps only each kernel's latest score, so
 *   this keeps the window itself: one sample per committed fatigue report (fed by
 *   `RestService.fatigueReports`, which needs no change to the core), not one per consensus
 *   run. SPEC judges "stuck" per update, and a once-a-minute sample of a kernel reporting every
 *   few seconds would measure the consensus interval instead. On open, each registered
 *   kernel's window is refilled from its newest stored fatigue snapshots, so a restart
 *   keeps it. A registered kernel that has reported but whose samples were all pruned
 *   counts with its latest score.
 * - A kernel registered for rest that sends no snapshots still counts for fatigue; one that
 *   sends snapshots without a rest registration counts for everything but fatigue.
 *
 * @example
 * const telemetry = new ConsensusTelemetry(config.cycles.windowSnapshots, rest, health);
 * await telemetry.restore(store);
 * constellationMetrics(telemetry.windows(), config.cycles);
 */
import type { KernelWindow } from "../core/cycles/constellation-metrics.js";
import type { FatigueSnapshot, RestStore } from "../store/store-types.js";
import type { HealthService } from "./health-service.js";
import type { RestService } from "./rest-service.js";

/** The newest `size` values of one series, oldest first, in one preallocated array. */
class RecentValues {
  private readonly values: Float64Array;
  private count = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  push(value: number): void {
    const size = this.values.length;
    if (this.count < size) {
      this.values[this.count++] = value;
      return;
    }
    // A window is a handful of values (windowSnapshots, 10 by default): shifting is cheaper
    // than keeping a ring and unrolling it for every reader.
    this.values.copyWithin(0, 1);
    this.values[size - 1] = value;
  }

  /** A view, not a copy, valid until the next push. */
  view(): Float64Array {
    return this.values.subarray(0, this.count);
  }
}

/** Per-kernel scratch for the monitor's Φ and κ, reused across runs. */
interface Scratch {
  phi: Float64Array;
  kappa: Float64Array;
}

const EMPTY = new Float64Array(0);

export class ConsensusTelemetry {
  private readonly fatigue = new Map<string, RecentValues>();
  private readonly scratch = new Map<string, Scratch>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly size: number,
    private readonly rest: RestService,
    private readonly health: HealthService,
  ) {
    this.unsubscribe = rest.fatigueReports.subscribe((s) => this.addFatigue(s));
  }

  /** Refills each registered kernel's fatigue window from its newest stored snapshots. */
  async restore(store: Pick<RestStore, "fatigueSnapshots">): Promise<void> {
    for (const k of this.rest.scheduler.states()) {
      const newest = await store.fatigueSnapshots({ kernelId: k.kernelId, limit: this.size });
      const window = new RecentValues(this.size);
      for (let i = newest.length - 1; i >= 0; i--) window.push((newest[i] as FatigueSnapshot).fatigue);
      this.fatigue.set(k.kernelId, window);
    }
  }

  addFatigue(sample: FatigueSnapshot): void {
    let window = this.fatigue.get(sample.kernel_id);
    if (!window) {
      window = new RecentValues(this.size);
      this.fatigue.set(sample.kernel_id, window);
    }
    window.push(sample.fatigue);
  }

  /** One window per kernel known to either the rest scheduler or the health monitor. */
  windows(): KernelWindow[] {
    const monitor = this.health.monitor;
    const out: KernelWindow[] = [];
    const seen = new Set<string>();
    for (const k of this.rest.scheduler.states()) {
      seen.add(k.kernelId);
      let fatigue = this.fatigue.get(k.kernelId)?.view() ?? EMPTY;
      if (fatigue.length === 0 && k.hasTelemetry) fatigue = Float64Array.of(k.fatigue);
      out.push(this.withHealth(k.kernelId, fatigue));
    }
    for (const id of monitor.kernelIds()) if (!seen.has(id)) out.push(this.withHealth(id, EMPTY));
    this.forgetGone(seen, monitor.kernelIds());
    return out;
  }

  close(): void {
    this.unsubscribe();
  }

  private withHealth(kernelId: string, fatigue: Float64Array): KernelWindow {
    const monitor = this.health.monitor;
    if (!monitor.has(kernelId))
      return { kernel_id: kernelId, basin: null, baseline: null, phi: EMPTY, kappa: EMPTY, fatigue };
    let s = this.scratch.get(kernelId);
    if (!s) {
      s = { phi: new Float64Array(this.size), kappa: new Float64Array(this.size) };
      this.scratch.set(kernelId, s);
    }
    const w = monitor.readWindow(kernelId, this.size, s.phi, s.kappa);
    return {
      kernel_id: kernelId,
      basin: w.basin,
      baseline: w.baseline,
      phi: s.phi.subarray(0, w.count),
      kappa: s.kappa.subarray(0, w.count),
      fatigue,
    };
  }

  /** Drops the windows of kernels that are neither registered nor monitored any more. */
  private forgetGone(registered: Set<string>, monitored: readonly string[]): void {
    const known = new Set([...registered, ...monitored]);
    for (const id of this.fatigue.keys()) if (!known.has(id)) this.fatigue.delete(id);
    for (const id of this.scratch.keys()) if (!known.has(id)) this.scratch.delete(id);
  }
}
