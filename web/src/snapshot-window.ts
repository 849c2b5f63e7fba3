/**
 * A chart's window of snapshots, kept up to date from small reads: after the first read of
 * the newest rows, each poll asks only for rows since the newest one held (the API's `since`
 * is inclusive, so that row comes again and is recognised by its id). A snapshot carries its
 * whole basin, so re-reading the window each time would cost hundreds of kilobytes a poll.
 */
import type { SnapshotRow } from "./wire-types.js";

const ms = (r: SnapshotRow) => Date.parse(r.at);
const newestFirst = (a: SnapshotRow, b: SnapshotRow) => ms(b) - ms(a) || b.id - a.id;

/** The `since` query for the next read (epoch seconds), or null when nothing is held yet. */
export function sinceOf(window: readonly SnapshotRow[]): string | null {
  const newest = window[0];
  return newest === undefined ? null : String(ms(newest) / 1000);
}

/** `known` with the rows of `fresh` it lacks, newest first, at most `limit`. */
export function mergeNewest(
  known: readonly SnapshotRow[],
  fresh: readonly SnapshotRow[],
  limit: number,
): SnapshotRow[] {
  const ids = new Set(known.map((r) => r.id));
  const added = fresh.filter((r) => !ids.has(r.id));
  if (added.length === 0) return known.slice(0, limit);
  return [...added, ...known].sort(newestFirst).slice(0, limit);
}
