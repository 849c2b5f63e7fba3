/**
 * A stored snapshot row as the monitor replays it (a restart's restore, calibration and the
 * impact report): float32 basins are renormalised onto the simplex. Replays that only count
 * (calibration, the report) leave the context out, so a long span holds no contexts in memory.
 */
import { normalizeSimplex } from "../core/geometry.js";
import type { HealthSnapshot } from "../core/health/snapshot.js";
import type { HealthSnapshotRow } from "../store/health-store-types.js";

export function replayedSnapshot(r: HealthSnapshotRow, options: { context: boolean }): HealthSnapshot {
  return {
    kernel_id: r.kernel_id,
    timestamp: r.at / 1000,
    phi: r.phi,
    kappa_eff: r.kappa_eff,
    basin_coords: r.basin ? normalizeSimplex(r.basin) : null,
    confidence: r.confidence,
    surprise: r.surprise,
    agency: r.agency,
    error_rate: r.error_rate,
    avg_latency_ms: r.avg_latency_ms,
    memory_mb: r.memory_mb,
    cpu_pct: r.cpu_pct,
    code_hash: r.code_hash,
    label: r.label,
    context: options.context ? ((r.context ?? null) as HealthSnapshot["context"]) : null,
    set_baseline: false,
  };
}
