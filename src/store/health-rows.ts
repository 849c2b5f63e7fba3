/**
 * How health records become rows and back, shared by the SQL store and the fake so both
 * give the same answers: basins as float32 little-endian bytes, context as JSON text, and
 * the limits of health queries.
 *
 * @example
 * const values = snapshotValues(snapshot); // in SNAPSHOT_COLUMNS order, basin copied
 * const back = snapshotFromRow({ id: 1, ...rowOf(values) }); // basin: a Float32Array of its own
 */
import type { Selectable } from "kysely";
import type { Regime } from "../core/health/thresholds.js";
import type {
  BaselineSource,
  HealthSnapshotRow,
  ResonancePointRow,
  StoredBaseline,
  StoredHealthSnapshot,
  StoredResonancePoint,
} from "./health-store-types.js";
import type { BaselinesTable, HealthSnapshotsTable, ResonancePointsTable } from "./schema.js";

export const DEFAULT_HEALTH_LIMIT = 100;
export const MAX_HEALTH_LIMIT = 1000;

/** The inserted columns of health_snapshots, in the order of `snapshotValues`. */
export const SNAPSHOT_COLUMNS = [
  "kernel_id",
  "at",
  "phi",
  "kappa_eff",
  "basin",
  "basin_drift",
  "regime",
  "confidence",
  "surprise",
  "agency",
  "error_rate",
  "avg_latency_ms",
  "memory_mb",
  "cpu_pct",
  "code_hash",
  "label",
  "context",
] as const satisfies readonly (keyof HealthSnapshotsTable)[];

/** baselines' columns, in the order of the direct writer's parameters. */
export const BASELINE_COLUMNS = [
  "kernel_id",
  "basin",
  "set_at",
  "source",
  "drift_reference",
] as const satisfies readonly (keyof BaselinesTable)[];

/** resonance_points' inserted columns, every one NOT NULL. */
export const RESONANCE_COLUMNS = [
  "kernel_id",
  "at",
  "phi",
  "kappa_eff",
  "phi_variance",
  "kappa_variance",
  "cluster_strength",
] as const satisfies readonly (keyof ResonancePointsTable)[];

/** The columns a NOT NULL constraint guards, for the fake to enforce like the databases. */
export const SNAPSHOT_REQUIRED = ["kernel_id", "at", "phi", "kappa_eff", "regime"] as const;

export type SnapshotInsert = Omit<HealthSnapshotsTable, "id">;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A basin as float32 little-endian bytes, copied: the caller may reuse its array at once. */
export function encodeBasin(basin: Float32Array): Buffer {
  // copyBytesFrom copies the bytes at once; Buffer.from(aUint8Array) copied them one by one.
  if (HOST_IS_LITTLE_ENDIAN) return Buffer.copyBytesFrom(basin);
  const bytes = Buffer.allocUnsafe(basin.length * 4);
  for (let i = 0; i < basin.length; i++) bytes.writeFloatLE(basin[i] as number, i * 4);
  return bytes;
}

/**
 * The basin of stored bytes, in a Float32Array of its own: a driver's Buffer may be a slice
 * of a larger pool at an offset that is not a multiple of 4, so it is copied, not viewed.
 */
export function decodeBasin(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`a basin of ${bytes.byteLength} bytes is not float32`);
  const basin = new Float32Array(bytes.byteLength / 4);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(basin.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < basin.length; i++) basin[i] = view.getFloat32(i * 4, true);
  }
  return basin;
}

/**
 * A snapshot's bound values in SNAPSHOT_COLUMNS order. Everything is copied or serialised
 * here, so a batch is read once, when the store is called. A missing value becomes null and
 * is refused by the NOT NULL constraints, not here.
 */
export function snapshotValues(s: StoredHealthSnapshot): unknown[] {
  return [
    s.kernel_id ?? null,
    s.at ?? null,
    s.phi ?? null,
    s.kappa_eff ?? null,
    s.basin ? encodeBasin(s.basin) : null,
    s.basin_drift ?? null,
    s.regime ?? null,
    s.confidence ?? null,
    s.surprise ?? null,
    s.agency ?? null,
    s.error_rate ?? null,
    s.avg_latency_ms ?? null,
    s.memory_mb ?? null,
    s.cpu_pct ?? null,
    s.code_hash ?? null,
    s.label ?? null,
    s.context === null || s.context === undefined ? null : JSON.stringify(s.context),
  ];
}

/** The row of bound values, by column name. */
export function rowOf(values: readonly unknown[]): SnapshotInsert {
  const row: Record<string, unknown> = {};
  SNAPSHOT_COLUMNS.forEach((column, i) => {
    row[column] = values[i];
  });
  return row as unknown as SnapshotInsert;
}

export function snapshotFromRow(row: Selectable<HealthSnapshotsTable>): HealthSnapshotRow {
  return {
    id: row.id,
    kernel_id: row.kernel_id,
    at: row.at,
    phi: row.phi,
    kappa_eff: row.kappa_eff,
    basin: row.basin === null ? null : decodeBasin(row.basin),
    basin_drift: row.basin_drift,
    regime: row.regime as Regime,
    confidence: row.confidence,
    surprise: row.surprise,
    agency: row.agency,
    error_rate: row.error_rate,
    avg_latency_ms: row.avg_latency_ms,
    memory_mb: row.memory_mb,
    cpu_pct: row.cpu_pct,
    code_hash: row.code_hash,
    label: row.label,
    context: row.context === null ? null : (JSON.parse(row.context) as unknown),
  };
}

/** A missing basin is left null for the NOT NULL constraint to name, like any other column. */
export function baselineRow(b: StoredBaseline): BaselinesTable {
  const basin = b.basin ? encodeBasin(b.basin) : (null as unknown as Buffer);
  return {
    kernel_id: b.kernel_id,
    basin,
    set_at: b.set_at,
    source: b.source,
    drift_reference: b.drift_reference == null ? null : JSON.stringify(b.drift_reference),
  };
}

export function baselineFromRow(row: BaselinesTable): StoredBaseline {
  return {
    kernel_id: row.kernel_id,
    basin: decodeBasin(row.basin),
    set_at: row.set_at,
    source: row.source as BaselineSource,
    drift_reference: row.drift_reference == null ? null : JSON.parse(row.drift_reference),
  };
}

/** The rows of baselines to upsert: one per kernel, the last given winning. */
export function baselineRows(baselines: readonly StoredBaseline[]): BaselinesTable[] {
  return [...new Map(baselines.map((b) => [b.kernel_id, baselineRow(b)])).values()];
}

export function resonanceRow(p: StoredResonancePoint): Omit<ResonancePointsTable, "id"> {
  const { kernel_id, at, phi, kappa_eff, phi_variance, kappa_variance, cluster_strength } = p;
  return { kernel_id, at, phi, kappa_eff, phi_variance, kappa_variance, cluster_strength };
}

export function resonanceFromRow(row: Selectable<ResonancePointsTable>): ResonancePointRow {
  return { ...row };
}

/** The row limit of a health query; a bad limit is the caller's bug, so it throws. */
export function healthLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_HEALTH_LIMIT;
  if (!Number.isInteger(n) || n < 0 || n > MAX_HEALTH_LIMIT)
    throw new RangeError(`limit must be an integer from 0 to ${MAX_HEALTH_LIMIT}, got ${n}`);
  return n;
}

/** recentSnapshots' count per kernel: the ring buffers' length, any integer ≥ 0. */
export function perKernelCount(perKernel: number): number {
  if (!Number.isInteger(perKernel) || perKernel < 0)
    throw new RangeError(`perKernel must be an integer ≥ 0, got ${perKernel}`);
  return perKernel;
}

/** A cursor with an id but no ms cannot be placed: the caller's bug. */
export function assertCursor(beforeMs: number | undefined, beforeId: number | undefined): void {
  if (beforeId !== undefined && beforeMs === undefined)
    throw new RangeError("beforeId needs beforeMs: a cursor is the last row's (at, id)");
}
