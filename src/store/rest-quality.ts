/**
 * What `restQuality` answers, shared by the SQL store (which aggregates in SQL) and the fake
 * (which aggregates here, as SQL would): the rests counted, the means, and the rows' order.
 *
 * A rest counts when it has finished (ended_at set) and started at or after `sinceMs`, the
 * same time restEvents filters by. Means follow SQL's AVG: rows without a value are skipped
 * (a rest of no length finished before migration 005 has no recovery rate), and a mean over
 * nothing is 0.
 *
 * @example
 * const rows = restQualityRows(await perKernelAndOverallAggregates());
 * rows.at(-1)?.kernel_id; // null: the overall row is always last
 */
import type { RestEventRow, RestQualityRow } from "./store-types.js";

export interface RestQualityQuery {
  kernelId?: string;
  sinceMs?: number;
}

/** Each mean of a quality row and the rest_events column it averages. */
export const QUALITY_MEANS = [
  ["mean_duration_seconds", "duration_seconds"],
  ["mean_fatigue_at_rest", "fatigue_at_rest"],
  ["mean_fatigue_after", "fatigue_after"],
  ["mean_phi_at_rest", "phi_at_rest"],
  ["mean_phi_after", "phi_after"],
  ["mean_kappa_at_rest", "kappa_at_rest"],
  ["mean_kappa_after", "kappa_after"],
  ["mean_recovery_per_minute", "recovery_per_minute"],
] as const satisfies readonly (readonly [keyof RestQualityRow, keyof RestEventRow])[];

type MeanName = (typeof QUALITY_MEANS)[number][0];

/**
 * One aggregate row as a driver returns it: PostgreSQL may give counts as bigints or strings and
 * means of numeric as strings; a mean over no value is null.
 */
export type RawQualityRow = { kernel_id: string | null; rests: unknown } & Record<MeanName, unknown>;

/**
 * The answer from the per-kernel aggregates and the overall one (kernel_id null): numbers as
 * numbers, kernels sorted by id in code-unit order (PostgreSQL would sort text by its collation,
 * SQLite by bytes), the overall row last; rests 0 and means 0 when no rest counts.
 */
export function restQualityRows(raw: readonly RawQualityRow[]): RestQualityRow[] {
  const rows = raw.map(numbersOf);
  const perKernel = rows.filter((r) => r.kernel_id !== null);
  perKernel.sort((a, b) => ((a.kernel_id ?? "") < (b.kernel_id ?? "") ? -1 : 1));
  const overall = rows.find((r) => r.kernel_id === null) ?? numbersOf({ kernel_id: null, rests: 0 });
  return [...perKernel, overall];
}

/** The aggregates SQL computes, over rest rows in memory (for the fake store). */
export function aggregateRestQuality(
  rows: readonly RestEventRow[],
  query: RestQualityQuery,
): RawQualityRow[] {
  const counted = rows.filter(
    (r) =>
      r.ended_at !== null &&
      (query.sinceMs === undefined || r.started_at >= query.sinceMs) &&
      (query.kernelId === undefined || r.kernel_id === query.kernelId),
  );
  const byKernel = new Map<string, RestEventRow[]>();
  for (const r of counted) byKernel.set(r.kernel_id, [...(byKernel.get(r.kernel_id) ?? []), r]);
  return [...[...byKernel].map(([id, group]) => aggregateOf(id, group)), aggregateOf(null, counted)];
}

function aggregateOf(kernel_id: string | null, rows: readonly RestEventRow[]): RawQualityRow {
  const means = QUALITY_MEANS.map(([name, column]) => {
    // Like AVG: nulls are skipped, and the mean over nothing is null.
    const values = rows.map((r) => r[column]).filter((v) => v !== null);
    return [name, values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length];
  });
  return { kernel_id, rests: rows.length, ...(Object.fromEntries(means) as Record<MeanName, number | null>) };
}

function numbersOf(
  raw: { kernel_id: string | null; rests: unknown } & Partial<RawQualityRow>,
): RestQualityRow {
  const means = QUALITY_MEANS.map(([name]) => [name, raw[name] == null ? 0 : Number(raw[name])]);
  return {
    kernel_id: raw.kernel_id,
    rests: Number(raw.rests),
    ...(Object.fromEntries(means) as Record<MeanName, number>),
  };
}
