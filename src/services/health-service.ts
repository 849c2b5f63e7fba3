/**
 * Geometric health monitoring as a service: the pure HealthMonitor, persisted through the
 * store. A snapshot or a batch is validated whole, recorded in memory, committed in one
 * transaction, and only then acknowledged; if the commit fails, the kernels it touched
 * are rebuilt from the store, so memory never runs ahead of what survives a crash.
 *
 * @example
 * const health = await HealthService.open({ config, store, clock, logger, directiveFor });
 * const { snapshot, directive } = await health.ingest({ kernel_id: "apollo_1", phi: 0.8, kappa_eff: 64 });
 */
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import { ConflictError, InvalidInputError, StoreUnavailableError } from "../core/errors.js";
import { float32sOf } from "../core/float-slab.js";
import { HealthMonitor, type IngestOutcome } from "../core/health/monitor.js";
import type {
  ConstellationHealth,
  DegradationReport,
  KernelHealthReport,
  TrendReport,
} from "../core/health/reports.js";
import type { ResonancePoint } from "../core/health/resonance.js";
import {
  type HealthSnapshot,
  optionsWith,
  type ParseSnapshotOptions,
  parseSnapshot,
  parseSnapshots,
} from "../core/health/snapshot.js";
import type { Directive } from "../core/rest/directive.js";
import type {
  HealthSnapshotRow,
  HealthStore,
  SnapshotQuery,
  StoredBaseline,
  StoredHealthSnapshot,
  StoredResonancePoint,
} from "../store/health-store-types.js";
import { EventBus } from "./event-bus.js";
import { replayedSnapshot } from "./replayed-snapshot.js";
import { WriteQueue, type WriteStats } from "./write-queue.js";

export type HealthEvent =
  | { type: "health_status_changed"; at: number; kernel_id: string; from: string; to: string }
  | {
      type: "resonance_point";
      at: number;
      kernel_id: string;
      phi: number;
      kappa_eff: number;
      cluster_strength: number;
    }
  | { type: "baseline_set"; at: number; kernel_id: string; source: "first_snapshot" | "explicit" };

export interface HealthServiceOptions {
  config: AutonomicConfig;
  store: HealthStore;
  clock: Clock;
  logger: Logger;
  /** The directive for a kernel's reply (rest part from the rest scheduler). */
  directiveFor: (kernelId: string) => Directive;
}

export interface SnapshotAck {
  kernel_id: string;
  /** ISO 8601. */
  timestamp: string;
  phi: number;
  kappa_eff: number;
  regime: string;
  /** The client's code version; "" when it sent none (the original's type is a string). */
  code_hash: string;
  label: string | null;
  snapshots: number;
  status: string;
  basin_drift: number | null;
  /** This snapshot's basin became the baseline (the kernel's first basin, or `set_baseline`). */
  baseline_set: boolean;
}

export class HealthService {
  readonly monitor: HealthMonitor;
  readonly events = new EventBus<HealthEvent>();
  private readonly queue: WriteQueue<HealthWrite>;
  private readonly parseOptions: ParseSnapshotOptions;
  /** Where each kernel's baseline came from and when, kept when only its drift reference changes. */
  private readonly baselineOrigin = new Map<string, Pick<StoredBaseline, "source" | "set_at">>();

  private constructor(private readonly options: HealthServiceOptions) {
    this.monitor = new HealthMonitor({ config: options.config, clock: options.clock });
    this.queue = new WriteQueue<HealthWrite>({
      maxGroup: options.config.writes.maxGroupWrites,
      commit: (group) => this.commitGroup(group),
      recover: async (err, group) => {
        const kernels = [...new Set(group.flatMap((w) => w.kernels))];
        options.logger.error(
          { err, kernels },
          "snapshot commit failed; rebuilding those kernels from the store",
        );
        await this.reloadKernels(kernels);
        return new StoreUnavailableError(err);
      },
      committed: (group) => {
        for (const w of group) for (const e of w.events) this.emit(e);
      },
    });
    const { api, health, monitor } = options.config;
    this.parseOptions = {
      maxBasinDimension: health.maxBasinDimension,
      strictFields: api.strictFields,
      contextBounds: { maxBytes: monitor.contextMaxBytes, maxDepth: monitor.contextMaxDepth },
    };
  }

  /** Opens the service and rebuilds baselines and ring buffers from recent history. */
  static async open(options: HealthServiceOptions): Promise<HealthService> {
    const service = new HealthService(options);
    const baselines = new Map((await options.store.loadBaselines()).map((b) => [b.kernel_id, b]));
    const recent = groupByKernel(
      await options.store.recentSnapshots(options.config.health.ringCapacitySnapshots),
    );
    for (const id of new Set([...baselines.keys(), ...recent.keys()])) {
      const total = await options.store.snapshotCount({ kernelId: id });
      service.restoreKernel(id, baselines.get(id), recent.get(id) ?? [], total);
    }
    options.logger.info({ kernels: service.monitor.kernelIds().length }, "health history restored");
    return service;
  }

  /**
   * Validates and records one snapshot (wire form). `warnings` names the fields it ignored.
   * Answered once the group commit holding it has committed.
   */
  async ingest(input: unknown): Promise<{ snapshot: SnapshotAck; directive: Directive; warnings: string[] }> {
    const warnings: string[] = [];
    const snapshot = parseSnapshot(input, optionsWith(this.parseOptions, undefined, warnings));
    return this.queue.submit(() => {
      this.assertRoomFor([snapshot.kernel_id]);
      const write = emptyWrite([snapshot.kernel_id]);
      const ack = this.record(snapshot, write);
      return {
        value: { snapshot: ack, directive: this.options.directiveFor(snapshot.kernel_id), warnings },
        change: write,
      };
    });
  }

  /** Validates and records a batch, all or nothing; a bad item is named by its index. */
  async ingestBatch(
    input: unknown,
  ): Promise<{ snapshots: SnapshotAck[]; directives: Record<string, Directive>; warnings: string[] }> {
    const most = this.options.config.monitor.maxBatchSnapshots;
    // Counted before parsing, so an oversized batch costs no validation work.
    if (Array.isArray(input) && input.length > most)
      throw new InvalidInputError(
        "snapshots",
        `holds ${input.length} snapshots; at most ${most} are accepted`,
      );
    const warnings: string[] = [];
    const snapshots = parseSnapshots(input, optionsWith(this.parseOptions, "snapshots", warnings));
    if (snapshots.length === 0) throw new InvalidInputError("snapshots", "must hold at least one snapshot");
    return this.queue.submit(() => {
      // Checked whole before the first is recorded: a refused batch changes nothing.
      this.monitor.check(snapshots);
      const kernels = [...new Set(snapshots.map((s) => s.kernel_id))];
      this.assertRoomFor(kernels);
      const write = emptyWrite(kernels);
      const acks = snapshots.map((s) => this.record(s, write));
      // No prototype: a kernel id can never reach Object.prototype's setters.
      const directives: Record<string, Directive> = Object.create(null);
      for (const id of kernels) directives[id] = this.options.directiveFor(id);
      return { value: { snapshots: acks, directives, warnings }, change: write };
    });
  }

  /**
   * Sets a kernel's baseline explicitly (simplex or embedding encoding). Without a basin, the
   * kernel's newest one becomes its baseline, as the original's `POST /baseline` did.
   */
  async setBaseline(
    kernelId: unknown,
    basin: unknown,
    encoding: unknown,
  ): Promise<{ kernel_id: string; dimension: number }> {
    if (typeof kernelId !== "string" || kernelId.trim() === "")
      throw new InvalidInputError("kernel_id", "is required");
    if (basin !== undefined && !Array.isArray(basin))
      throw new InvalidInputError("basin_coords", "must be an array of numbers");
    if (encoding !== undefined && encoding !== "simplex" && encoding !== "embedding") {
      throw new InvalidInputError("basin_encoding", 'must be "simplex" or "embedding"');
    }
    return this.queue.submit(() => {
      let coords = basin as number[] | undefined;
      let enc = (encoding ?? "simplex") as "simplex" | "embedding";
      if (coords === undefined) {
        const latest = this.monitor.latestBasin(kernelId);
        if (latest === null)
          throw new ConflictError(
            "no_basin",
            `${kernelId} has sent no basin yet: send basin_coords, or a snapshot with one first`,
          );
        coords = Array.from(latest);
        enc = "simplex";
      }
      if (!this.monitor.has(kernelId)) this.assertRoomFor([kernelId]);
      const p = this.monitor.setBaseline(kernelId, coords, enc);
      const now = this.options.clock.now();
      const write = emptyWrite([kernelId]);
      write.baselines.push(this.storedBaseline(kernelId, "explicit", now));
      write.events.push(baselineEvent(kernelId, now));
      return { value: { kernel_id: kernelId, dimension: p.length }, change: write };
    });
  }

  /**
   * Stops monitoring a kernel that left the constellation (a retired one): memory only, so its
   * stored snapshots, baseline and resonance points stay queryable, and a later snapshot under
   * its id starts it afresh. True when it was monitored.
   */
  forgetKernel(kernelId: string): boolean {
    this.baselineOrigin.delete(kernelId);
    return this.monitor.forget(kernelId);
  }

  health(kernelId: string): KernelHealthReport {
    return this.monitor.health(kernelId);
  }

  constellation(): ConstellationHealth {
    return this.monitor.constellationHealth();
  }

  degradation(kernelId: string): DegradationReport {
    return this.monitor.degradation(kernelId);
  }

  degradedKernels(): DegradationReport[] {
    return this.monitor.degradedKernels();
  }

  /** The service's clock, ms: replies stamp "now" on this clock (the demo's runs ahead of wall time). */
  now(): number {
    return this.options.clock.now();
  }

  /** Every monitored kernel's report, for the constellation's worst. */
  allDegradation(): DegradationReport[] {
    return this.monitor.kernelIds().map((id) => this.monitor.degradation(id));
  }

  /** Whether every monitored kernel has a baseline (false while none is monitored). */
  everyKernelHasBaseline(): boolean {
    const ids = this.monitor.kernelIds();
    return ids.length > 0 && ids.every((id) => this.monitor.hasBaseline(id));
  }

  /** @example health.kernelIds() // ["apollo_1", "default"] */
  kernelIds(): string[] {
    return this.monitor.kernelIds();
  }

  trends(kernelId: string): TrendReport {
    return this.monitor.trends(kernelId);
  }

  snapshots(query: SnapshotQuery): Promise<HealthSnapshotRow[]> {
    return this.options.store.snapshots(query);
  }

  pruneSnapshots(retentionSeconds: number): Promise<number> {
    return this.options.store.pruneHealthSnapshots(this.options.clock.now() - retentionSeconds * 1000);
  }

  /** Waits until every write queued so far has been committed and answered. */
  async drain(): Promise<void> {
    await this.queue.idle();
  }

  /** Writes committed in groups since start. */
  writeStats(): WriteStats {
    return this.queue.stats();
  }

  /** Records one validated snapshot in memory and adds what it stores and emits to `write`. */
  private record(s: HealthSnapshot, write: HealthWrite): SnapshotAck {
    const outcome = this.monitor.ingest(s);
    const ack = acknowledge(outcome, s);
    write.rows.push(toStored(s, outcome));
    const extras = this.extrasFor(outcome, s);
    if (extras.baselines) write.baselines.push(...extras.baselines);
    write.events.push(...statusChange(outcome));
    if (extras.explicitBaseline)
      write.events.push(baselineEvent(outcome.kernel_id, outcome.timestamp * 1000));
    for (const p of extras.resonance ?? []) {
      write.resonance.push(p);
      write.events.push(resonanceEvent(p));
    }
    return ack;
  }

  /** One store call for a whole group: snapshots, the newest baseline per kernel, resonance points. */
  private commitGroup(group: HealthWrite[]): Promise<void> {
    const rows: StoredHealthSnapshot[] = [];
    const baselines = new Map<string, StoredBaseline>();
    const resonance: StoredResonancePoint[] = [];
    for (const w of group) {
      for (const r of w.rows) rows.push(r);
      // A kernel's row is upserted once a statement (PostgreSQL refuses twice): the last wins.
      for (const b of w.baselines) baselines.set(b.kernel_id, b);
      for (const p of w.resonance) resonance.push(p);
    }
    return this.options.store.commitSnapshots(rows, { baselines: [...baselines.values()], resonance });
  }

  /** Refuses a snapshot from a kernel the monitor does not hold once it holds monitor.maxKernels. */
  private assertRoomFor(kernelIds: readonly string[]): void {
    const most = this.options.config.monitor.maxKernels;
    let count = this.monitor.kernelCount;
    const counted = new Set<string>();
    for (const id of kernelIds) {
      if (this.monitor.has(id) || counted.has(id)) continue;
      counted.add(id);
      if (++count > most)
        throw new ConflictError(
          "monitor_full",
          `monitor.maxKernels: the monitor already holds ${most} kernels; ${id} is not monitored`,
        );
    }
  }

  private extrasFor(
    outcome: IngestOutcome,
    snapshot: HealthSnapshot,
  ): { baselines?: StoredBaseline[]; resonance?: StoredResonancePoint[]; explicitBaseline?: boolean } {
    const extras: {
      baselines?: StoredBaseline[];
      resonance?: StoredResonancePoint[];
      explicitBaseline?: boolean;
    } = {};
    if (outcome.baseline_set) {
      const source = snapshot.set_baseline ? "explicit" : "first_snapshot";
      extras.baselines = [this.storedBaseline(outcome.kernel_id, source, outcome.timestamp * 1000)];
      extras.explicitBaseline = snapshot.set_baseline;
    } else if (outcome.drift_reference_completed) {
      const origin = this.baselineOrigin.get(outcome.kernel_id);
      extras.baselines = [
        this.storedBaseline(
          outcome.kernel_id,
          origin?.source ?? "first_snapshot",
          origin?.set_at ?? this.options.clock.now(),
        ),
      ];
    }
    if (outcome.resonance) extras.resonance = [toStoredResonance(outcome.kernel_id, outcome.resonance)];
    return extras;
  }

  private storedBaseline(kernelId: string, source: StoredBaseline["source"], setAt: number): StoredBaseline {
    const state = this.monitor.exportKernelState(kernelId);
    this.baselineOrigin.set(kernelId, { source, set_at: setAt });
    return {
      kernel_id: kernelId,
      basin: Float32Array.from(state.baseline ?? []),
      set_at: setAt,
      source,
      drift_reference: state.drift_reference,
    };
  }

  /** One log line per committed event, with its kernel_id, then to subscribers. */
  private emit(event: HealthEvent): void {
    this.options.logger.info({ ...event, at: new Date(event.at).toISOString() }, event.type);
    this.events.publish(event);
  }

  private async reloadKernels(kernelIds: string[]): Promise<void> {
    try {
      const baselines = new Map((await this.options.store.loadBaselines()).map((b) => [b.kernel_id, b]));
      for (const id of kernelIds) {
        const rows = await this.options.store.snapshots({
          kernelId: id,
          limit: Math.min(1000, this.options.config.health.ringCapacitySnapshots),
        });
        this.monitor.forget(id);
        this.baselineOrigin.delete(id);
        const total = await this.options.store.snapshotCount({ kernelId: id });
        this.restoreKernel(id, baselines.get(id), rows.reverse(), total);
      }
    } catch (err) {
      this.options.logger.error({ err }, "reload failed too: health state may hold an uncommitted snapshot");
    }
  }

  private restoreKernel(
    kernelId: string,
    baseline: StoredBaseline | undefined,
    rows: HealthSnapshotRow[],
    totalSnapshots: number,
  ): void {
    if (baseline) this.baselineOrigin.set(kernelId, { source: baseline.source, set_at: baseline.set_at });
    if (!baseline && rows.length === 0) return;
    this.monitor.restore(
      kernelId,
      baseline ? baseline.basin : null,
      rows.map((r) => replayedSnapshot(r, { context: true })),
      {
        driftReference: (baseline?.drift_reference ?? null) as never,
        snapshots: totalSnapshots,
      },
    );
  }
}

/**
 * The reply to one snapshot: the original's fields (timestamp, phi, kappa_eff, regime,
 * code_hash as a string, "" when the kernel sent none) beside ours.
 */
/** What one write stores and emits once its group commits. */
interface HealthWrite {
  /** The kernels it touched: rebuilt from the store if its group fails. */
  kernels: string[];
  rows: StoredHealthSnapshot[];
  baselines: StoredBaseline[];
  resonance: StoredResonancePoint[];
  events: HealthEvent[];
}

function emptyWrite(kernels: string[]): HealthWrite {
  return { kernels, rows: [], baselines: [], resonance: [], events: [] };
}

function acknowledge(o: IngestOutcome, s: HealthSnapshot): SnapshotAck {
  return {
    kernel_id: o.kernel_id,
    timestamp: new Date(o.timestamp * 1000).toISOString(),
    phi: s.phi,
    kappa_eff: s.kappa_eff,
    regime: o.regime,
    code_hash: s.code_hash ?? "",
    label: s.label,
    snapshots: o.snapshots,
    status: o.status,
    basin_drift: o.basin_drift,
    baseline_set: o.baseline_set,
  };
}

function baselineEvent(kernelId: string, at: number): HealthEvent {
  return { type: "baseline_set", at, kernel_id: kernelId, source: "explicit" };
}

function statusChange(o: IngestOutcome): HealthEvent[] {
  if (o.status === o.previous_status) return [];
  return [
    {
      type: "health_status_changed",
      at: o.timestamp * 1000,
      kernel_id: o.kernel_id,
      from: o.previous_status,
      to: o.status,
    },
  ];
}

function resonanceEvent(p: StoredResonancePoint): HealthEvent {
  return {
    type: "resonance_point",
    at: p.at,
    kernel_id: p.kernel_id,
    phi: p.phi,
    kappa_eff: p.kappa_eff,
    cluster_strength: p.cluster_strength,
  };
}

function toStored(s: HealthSnapshot, o: IngestOutcome): StoredHealthSnapshot {
  return {
    kernel_id: s.kernel_id,
    at: o.timestamp * 1000,
    phi: s.phi,
    kappa_eff: s.kappa_eff,
    basin: s.basin_coords ? float32sOf(s.basin_coords) : null,
    basin_drift: o.basin_drift,
    regime: o.regime,
    confidence: s.confidence,
    surprise: s.surprise,
    agency: s.agency,
    error_rate: s.error_rate,
    avg_latency_ms: s.avg_latency_ms,
    memory_mb: s.memory_mb,
    cpu_pct: s.cpu_pct,
    code_hash: s.code_hash,
    label: s.label,
    context: s.context,
  };
}

function toStoredResonance(kernelId: string, p: ResonancePoint): StoredResonancePoint {
  return {
    kernel_id: kernelId,
    at: p.timestamp * 1000,
    phi: p.phi,
    kappa_eff: p.kappa_eff,
    phi_variance: p.phi_variance,
    kappa_variance: p.kappa_variance,
    cluster_strength: p.cluster_strength,
  };
}

function groupByKernel(rows: HealthSnapshotRow[]): Map<string, HealthSnapshotRow[]> {
  const out = new Map<string, HealthSnapshotRow[]>();
  for (const r of rows) {
    const list = out.get(r.kernel_id);
    if (list) list.push(r);
    else out.set(r.kernel_id, [r]);
  }
  return out;
}
