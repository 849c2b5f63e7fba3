/**
 * The health half of the store contract: snapshots, baselines and resonance points, on the
 * same SQLite, PostgreSQL and fake stores as the rest scheduler's tables (`Store` is both).
 *
 * Times are clock milliseconds. Basins are stored compactly as float32, so a basin reads
 * back as the Float32Array that was written, not as the Float64Array the monitor computes in.
 *
 * @example
 * const store = await openStore("./autonomic.db");
 * await store.commitSnapshots(batch, { baselines: [first], resonance: points }); // one transaction
 * const rings = await store.recentSnapshots(100); // at start-up: oldest first, per kernel
 * const page = await store.snapshots({ kernelId: "apollo_1", limit: 50 });
 * const last = page.at(-1);
 * const next = last && (await store.snapshots({ kernelId: "apollo_1", beforeMs: last.at, beforeId: last.id }));
 */
import type { Regime } from "../core/health/thresholds.js";

/** One snapshot as the monitor records it. Optional metrics the kernel did not send are null. */
export interface StoredHealthSnapshot {
  kernel_id: string;
  /** Clock ms. */
  at: number;
  phi: number;
  kappa_eff: number;
  /** The normalised simplex point, or null when the kernel sent no basin. */
  basin: Float32Array | null;
  /** Fisher–Rao distance from the kernel's baseline when recorded; null without a basin. */
  basin_drift: number | null;
  regime: Regime;
  confidence: number | null;
  surprise: number | null;
  agency: number | null;
  error_rate: number | null;
  avg_latency_ms: number | null;
  memory_mb: number | null;
  cpu_pct: number | null;
  code_hash: string | null;
  label: string | null;
  /** Any JSON value the kernel sent, or null. */
  context: unknown;
}

/** A stored snapshot read back, with the id that orders snapshots of the same ms. */
export interface HealthSnapshotRow extends StoredHealthSnapshot {
  id: number;
}

export type BaselineSource = "first_snapshot" | "explicit";

/** The basin a kernel's drift is measured against: one per kernel, replaced when set again. */
export interface StoredBaseline {
  kernel_id: string;
  basin: Float32Array;
  /** Clock ms. */
  set_at: number;
  source: BaselineSource;
  /** The kernel's drift reference (reference mode), saved with its baseline; null until it exists. */
  drift_reference?: unknown;
}

/** A moment of resonance (SPEC §4): κ near κ*, Φ steady, a tight cluster. */
export interface StoredResonancePoint {
  /** Given by the store; ignored on write. */
  id?: number;
  kernel_id: string;
  at: number;
  phi: number;
  kappa_eff: number;
  phi_variance: number;
  kappa_variance: number;
  cluster_strength: number;
}

export interface ResonancePointRow extends StoredResonancePoint {
  id: number;
}

/** What is written beside a batch of snapshots, in the same transaction. */
export interface SnapshotExtras {
  /** Upserted by kernel_id; for one kernel given twice, the last wins. */
  baselines?: StoredBaseline[];
  resonance?: StoredResonancePoint[];
}

/**
 * A page of snapshots, newest first (by at, then id). To page, pass the last row's `at` as
 * `beforeMs` and its `id` as `beforeId`: rows of the same ms are then neither skipped nor
 * repeated. `beforeMs` alone returns rows strictly before that ms.
 */
export interface SnapshotQuery {
  kernelId?: string;
  /** Only rows at or after this clock ms. */
  sinceMs?: number;
  /** Only rows before this clock ms (or, with beforeId, before this (ms, id)). */
  beforeMs?: number;
  /** Refines beforeMs; needs it. */
  beforeId?: number;
  /** At most this many rows: default 100, at most 1000. */
  limit?: number;
}

export interface ResonanceQuery {
  kernelId?: string;
  sinceMs?: number;
  /** Newest first, at most this many: default 100, at most 1000. */
  limit?: number;
}

export interface HealthStore {
  /**
   * Writes a batch of snapshots with its baselines and resonance points in ONE transaction:
   * all of it or, when any row fails (a NOT NULL column is null), none. Resolves after the commit.
   */
  commitSnapshots(batch: readonly StoredHealthSnapshot[], extras?: SnapshotExtras): Promise<void>;
  /** Inserts or replaces the kernel's baseline. */
  setBaseline(baseline: StoredBaseline): Promise<void>;
  /** Every kernel's baseline, by kernel_id. */
  loadBaselines(): Promise<StoredBaseline[]>;
  /**
   * The newest `perKernel` snapshots of every kernel, each kernel's oldest first, kernels by
   * id: what rebuilds the monitor's ring buffers at start-up.
   */
  recentSnapshots(perKernel: number): Promise<HealthSnapshotRow[]>;
  /** A page of snapshots, newest first; see SnapshotQuery for the cursor. */
  snapshots(query?: SnapshotQuery): Promise<HealthSnapshotRow[]>;
  resonancePoints(query?: ResonanceQuery): Promise<ResonancePointRow[]>;
  snapshotCount(query?: { kernelId?: string }): Promise<number>;
  /** Deletes snapshots older than the given clock ms; returns how many. */
  pruneHealthSnapshots(olderThanMs: number): Promise<number>;
}
