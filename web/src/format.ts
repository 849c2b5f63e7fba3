/**
 * How the page writes values. Times are the server's clock (which `autonomic demo` runs
 * ahead of the wall), so they are shown as they are, never as "n minutes ago".
 */
import type { RestStatus } from "./wire-types.js";

export const STATUS_LABELS: Record<RestStatus, string> = {
  active: "active",
  resting: "resting",
  reduced: "reduced",
  micro_pause: "micro-pause",
};

const pad = (n: number) => String(n).padStart(2, "0");

/** Clock ms or ISO 8601 → Date; null for nothing or nonsense. */
export function toDate(value: number | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "14:03:07" in the browser's zone. */
export function clockTime(value: number | string | null | undefined): string {
  const d = toDate(value);
  return d === null ? "–" : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "11-22 14:03" in the browser's zone. */
export function dayTime(value: number | string | null | undefined): string {
  const d = toDate(value);
  return d === null
    ? "–"
    : `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A number with `digits` decimals, or "–" when there is none. */
export function num(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

/** "1 h 05 m", "4 m 10 s", "12 s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m`;
  if (s >= 60) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  return `${s} s`;
}

/** snake_case → words: "pending_review" → "pending review". */
export function words(name: string): string {
  return name.replaceAll("_", " ");
}
