/**
 * The original system's clients name some fields differently (SPEC §4): `avg_latency` for
 * `avg_latency_ms`, `basin_coordinates` for `basin_coords`… They must work unchanged, so an
 * input object is first rewritten onto our names. Both spellings of one field with different
 * values is a refusal naming both (we cannot know which the client meant); a field nobody
 * knows is ignored and named in `warnings`, as Kubernetes warns on unknown fields, or refused
 * when the caller is strict (`api.strictFields`).
 */
import { InvalidInputError } from "../errors.js";

/** Another name → our name. */
export type AliasTable = Readonly<Record<string, string>>;

/** Snapshot field names of the original clients (its routes, monitor and TypeScript types). */
export const SNAPSHOT_ALIASES: AliasTable = {
  avg_latency: "avg_latency_ms",
  latency_ms: "avg_latency_ms",
  basin_coordinates: "basin_coords",
  memory_usage_mb: "memory_mb",
  cpu_usage_pct: "cpu_pct",
};

/**
 * A dry run's predicted metrics keep the original's `avg_latency` as their own name (SPEC §6
 * "Directives"), and take the snapshot spellings too.
 */
export const PREDICTED_ALIASES: AliasTable = {
  avg_latency_ms: "avg_latency",
  latency_ms: "avg_latency",
  basin_coordinates: "basin_coords",
  memory_usage_mb: "memory_mb",
  cpu_usage_pct: "cpu_pct",
};

/** @example { field: "snapshots[2]", strict: false, warnings } */
export interface ResolveOptions {
  /** Prefix for field names in errors and warnings, e.g. "snapshots[2]". */
  field?: string;
  /** Refuse unknown fields (a 400) instead of warning. */
  strict?: boolean;
  /** Collects one line per ignored field. */
  warnings?: string[];
  /** What the object is, for the refusal: "a snapshot field". */
  noun?: string;
}

/**
 * Returns `input` with every alias renamed to our name and every unknown field dropped.
 * @example
 * resolveAliases({ phi: 0.7, avg_latency: 120, foo: 1 }, SNAPSHOT_ALIASES, KNOWN, { warnings })
 * // { phi: 0.7, avg_latency_ms: 120 }; warnings: ['unknown field "foo" was ignored']
 */
export function resolveAliases(
  input: Record<string, unknown>,
  aliases: AliasTable,
  known: ReadonlySet<string>,
  options: ResolveOptions = {},
): Record<string, unknown> {
  // The common case, a client that speaks our names only: nothing to rename or drop, so no copy.
  if (onlyOwnNames(input, aliases, known)) return input;
  const at = (name: string) => (options.field ? `${options.field}.${name}` : name);
  // A null-prototype object: a client's "__proto__" key stays an ordinary (unknown) field.
  const out: Record<string, unknown> = Object.create(null);
  const spelledAs = new Map<string, string>();
  for (const key of Object.keys(input)) {
    const value = input[key];
    const name = Object.hasOwn(aliases, key) ? (aliases[key] as string) : key;
    if (!known.has(name)) {
      if (options.strict) throw new InvalidInputError(at(key), `is not ${options.noun ?? "a known field"}`);
      options.warnings?.push(`unknown field "${at(key)}" was ignored`);
      continue;
    }
    if (value === undefined || value === null) continue;
    const earlier = spelledAs.get(name);
    if (earlier !== undefined && !sameJson(out[name], value)) {
      // Named in the order the client sent them.
      throw new InvalidInputError(
        `${at(earlier)}, ${at(key)}`,
        `are two names of one field and were sent with different values; send one`,
      );
    }
    spelledAs.set(name, earlier ?? key);
    out[name] = value;
  }
  return out;
}

/** Every key is one of our names and none is another name for one. */
function onlyOwnNames(
  input: Record<string, unknown>,
  aliases: AliasTable,
  known: ReadonlySet<string>,
): boolean {
  for (const key in input) {
    if (!Object.hasOwn(input, key) || !known.has(key) || Object.hasOwn(aliases, key)) return false;
  }
  return true;
}

/** Equal as JSON values: numbers, strings, booleans, and arrays of them element by element. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  return false;
}
