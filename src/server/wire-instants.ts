/**
 * Every instant on the wire is ISO 8601 (SPEC §6). Services and the store keep clock
 * milliseconds (cheap to compare and order); this is the one place they become text, for
 * every reply and every event, so no route can forget one. An instant is a number under a
 * key named `at`, `…_at` or `…_until`; that naming is the house rule for instants.
 */

/** @example isInstantKey("created_at") // true; isInstantKey("time_in_status") // false */
export function isInstantKey(key: string): boolean {
  return key === "at" || key.endsWith("_at") || key.endsWith("_until");
}

/**
 * A copy of `value` with every instant (clock ms) as an ISO 8601 string. Objects are
 * copied, never changed: replies are often the services' own objects. Arrays of numbers
 * (basins) are passed through as they are.
 * @example wireInstants({ patch_id: "p1", created_at: 0 }) // { patch_id: "p1", created_at: "1970-01-01T00:00:00.000Z" }
 */
export function wireInstants(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === "number") return value;
    return value.map(wireInstants);
  }
  if (ArrayBuffer.isView(value) || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    out[key] = typeof v === "number" && isInstantKey(key) && Number.isFinite(v) ? iso(v) : wireInstants(v);
  }
  return out;
}

function iso(ms: number): string {
  const d = new Date(ms);
  // Outside Date's range there is no ISO form; say so rather than throw from a reply.
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
