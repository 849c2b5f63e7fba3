/**
 * One telemetry sample of a kernel (SPEC §4), validated and normalised from its wire form
 * (snake_case JSON). Nothing is silently defaulted except kernel_id ("default", as SPEC §6
 * says): a missing, non-number, NaN, infinite or out-of-range value is an InvalidInputError
 * naming the field. The original clients' names (`avg_latency`, `basin_coordinates`…) are
 * read as ours; a field nobody knows is ignored with a warning, or refused when strict.
 */
import { DEFAULT_CONFIG } from "../config.js";
import { InvalidInputError } from "../errors.js";
import { float64s } from "../float-slab.js";
import { type Basin, embeddingToSimplex, normalizeSimplex } from "../geometry.js";
import { resolveAliases, SNAPSHOT_ALIASES } from "../wire/field-aliases.js";
import { assertJsonBounds, type JsonBounds } from "../wire/json-bounds.js";
import { assertKernelId } from "../wire/kernel-id.js";

/**
 * A validated snapshot. Optional metrics the client did not send are null.
 * @example parseSnapshot({ phi: 0.8, kappa_eff: 64 }).memory_mb // null
 */
export interface HealthSnapshot {
  readonly kernel_id: string;
  /** Epoch seconds; null when the client sent none (the monitor stamps it from its clock). */
  readonly timestamp: number | null;
  readonly phi: number;
  readonly kappa_eff: number;
  /** On the probability simplex, whichever encoding the client sent. */
  readonly basin_coords: Basin | null;
  readonly confidence: number | null;
  readonly surprise: number | null;
  readonly agency: number | null;
  readonly error_rate: number | null;
  readonly avg_latency_ms: number | null;
  readonly memory_mb: number | null;
  readonly cpu_pct: number | null;
  readonly code_hash: string | null;
  readonly label: string | null;
  readonly context: Readonly<Record<string, unknown>> | null;
  /** The client asked for this snapshot's basin to become the kernel's baseline (the original's `set_baseline`). */
  readonly set_baseline: boolean;
}

/** @example { field: "snapshots[3]", maxBasinDimension: config.health.maxBasinDimension } */
export interface ParseSnapshotOptions {
  /** Prefix for field names in errors, e.g. "snapshots[3]". */
  field?: string;
  /** Longest basin accepted (config `health.maxBasinDimension`). */
  maxBasinDimension?: number;
  /** Refuse fields nobody knows instead of ignoring them (config `api.strictFields`). */
  strictFields?: boolean;
  /** Collects a line per ignored field, for the reply's `warnings`. */
  warnings?: string[];
  /** Bounds of `context` (config `monitor.contextMaxBytes`, `monitor.contextMaxDepth`). */
  contextBounds?: JsonBounds;
}

const FIELDS = new Set([
  "kernel_id",
  "timestamp",
  "phi",
  "kappa_eff",
  "basin_coords",
  "basin_encoding",
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
  "set_baseline",
]);
const MAX_STRING_LENGTH = 200;
const DEFAULT_CONTEXT_BOUNDS: JsonBounds = { maxBytes: 64 * 1024, maxDepth: 32 };
/** 9999-12-31T23:59:59Z: anything later is almost surely milliseconds sent as seconds. */
const MAX_EPOCH_SECONDS = 253_402_300_799;
/** A date, or a date-time with an explicit offset: without one, parsing would depend on the server's zone. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * Validates one snapshot from its wire form.
 * @example
 * parseSnapshot({ kernel_id: "apollo_1", phi: 0.78, kappa_eff: 63.9, basin_coords: [1, 1, 2] })
 * // { kernel_id: "apollo_1", phi: 0.78, basin_coords: Float64Array [0.25, 0.25, 0.5], error_rate: null, … }
 */
export function parseSnapshot(input: unknown, options: ParseSnapshotOptions = {}): HealthSnapshot {
  const at = (name: string) => (options.field ? `${options.field}.${name}` : name);
  if (!isPlainObject(input))
    throw new InvalidInputError(options.field ?? "snapshot", "must be a JSON object");
  const v = resolveAliases(input, SNAPSHOT_ALIASES, FIELDS, {
    field: options.field,
    strict: options.strictFields,
    warnings: options.warnings,
    noun: "a snapshot field",
  });
  if (v.set_baseline === true && (v.basin_coords === undefined || v.basin_coords === null))
    throw new InvalidInputError(at("set_baseline"), "needs basin_coords in the same snapshot");
  return {
    kernel_id: kernelId(v.kernel_id, at("kernel_id")),
    timestamp: timestamp(v.timestamp, at("timestamp")),
    phi: required(v.phi, at("phi"), fraction),
    kappa_eff: required(v.kappa_eff, at("kappa_eff"), nonNegative),
    basin_coords: basin(v, at, options.maxBasinDimension ?? DEFAULT_CONFIG.health.maxBasinDimension),
    confidence: optional(v.confidence, at("confidence"), fraction),
    surprise: optional(v.surprise, at("surprise"), fraction),
    agency: optional(v.agency, at("agency"), fraction),
    error_rate: optional(v.error_rate, at("error_rate"), fraction),
    avg_latency_ms: optional(v.avg_latency_ms, at("avg_latency_ms"), nonNegative),
    memory_mb: optional(v.memory_mb, at("memory_mb"), nonNegative),
    cpu_pct: optional(v.cpu_pct, at("cpu_pct"), nonNegative),
    code_hash: text(v.code_hash, at("code_hash")),
    label: text(v.label, at("label")),
    context: context(v.context, at("context"), options.contextBounds ?? DEFAULT_CONTEXT_BOUNDS),
    set_baseline: flag(v.set_baseline, at("set_baseline")),
  };
}

/**
 * Validates a batch, all or nothing: the first bad item throws, naming its index.
 * @example parseSnapshots([{ phi: 0.8, kappa_eff: 64 }, { phi: 2, kappa_eff: 64 }]) // throws on "snapshots[1].phi"
 */
export function parseSnapshots(input: unknown, options: ParseSnapshotOptions = {}): HealthSnapshot[] {
  const field = options.field ?? "snapshots";
  if (!Array.isArray(input)) throw new InvalidInputError(field, "must be an array of snapshots");
  return input.map((item, i) =>
    parseSnapshot(item, optionsWith(options, `${field}[${i}]`, options.warnings)),
  );
}

/**
 * `options` with this `field` and `warnings`, every other option kept. Written out, not
 * `{ ...options, field }`: on Node 20 a spread followed by a property takes V8's slow path
 * (about 1.5 µs), and each call's object would get a map of its own, so `parseSnapshot`'s
 * reads of it turn megamorphic.
 * @example parseSnapshot(body, optionsWith(base, undefined, warnings))
 */
export function optionsWith(
  options: ParseSnapshotOptions,
  field: string | undefined,
  warnings: string[] | undefined,
): ParseSnapshotOptions {
  const { maxBasinDimension, strictFields, contextBounds } = options;
  // `satisfies`: an option added to ParseSnapshotOptions and not listed here fails to compile.
  return { field, maxBasinDimension, strictFields, warnings, contextBounds } satisfies {
    [K in keyof Required<ParseSnapshotOptions>]: ParseSnapshotOptions[K];
  };
}

/**
 * The snapshot as JSON for a reply or a store row (the basin as a plain array).
 * @example snapshotToJson(parseSnapshot({ phi: 0.8, kappa_eff: 64 })).kernel_id // "default"
 */
export function snapshotToJson(s: HealthSnapshot): Record<string, unknown> {
  const { set_baseline: _, ...rest } = s;
  return { ...rest, basin_coords: s.basin_coords === null ? null : Array.from(s.basin_coords) };
}

/**
 * Refuses a basin longer than `maxDimension`, or of another length than the kernel's
 * `dimension` (0 while the kernel has none yet).
 * @example assertDimension(65, 64, 4096, "basin_coords") // throws InvalidInputError
 */
export function assertDimension(
  length: number,
  dimension: number,
  maxDimension: number,
  field: string,
): void {
  if (length > maxDimension)
    throw new InvalidInputError(field, `has ${length} entries; at most ${maxDimension} are accepted`);
  if (dimension !== 0 && length !== dimension)
    throw new InvalidInputError(field, `has ${length} entries; this kernel's basins have ${dimension}`);
}

/**
 * `assertDimension` for a snapshot's basin, if it has one.
 * @example assertBasinFits(snapshot, kernelDimension, 4096, "basin_coords")
 */
export function assertBasinFits(
  s: HealthSnapshot,
  dimension: number,
  maxDimension: number,
  field: string,
): void {
  if (s.basin_coords !== null) assertDimension(s.basin_coords.length, dimension, maxDimension, field);
}

type Check = (value: number, field: string) => void;

const fraction: Check = (value, field) => {
  if (value < 0 || value > 1) throw new InvalidInputError(field, `must be within [0, 1], got ${value}`);
};
const nonNegative: Check = (value, field) => {
  if (value < 0) throw new InvalidInputError(field, `must be ≥ 0, got ${value}`);
};

function required(value: unknown, field: string, check: Check): number {
  if (value === undefined || value === null) throw new InvalidInputError(field, "is required");
  return finiteNumber(value, field, check);
}

function optional(value: unknown, field: string, check: Check): number | null {
  return value === undefined || value === null ? null : finiteNumber(value, field, check);
}

function finiteNumber(value: unknown, field: string, check: Check): number {
  if (typeof value !== "number") throw new InvalidInputError(field, `must be a number, got ${typeof value}`);
  if (Number.isNaN(value)) throw new InvalidInputError(field, "must be a number, got NaN");
  if (!Number.isFinite(value)) throw new InvalidInputError(field, "must be finite");
  check(value, field);
  return value;
}

function kernelId(value: unknown, field: string): string {
  if (value === undefined || value === null) return "default";
  return assertKernelId(value, field);
}

function flag(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw new InvalidInputError(field, "must be true or false");
  return value;
}

function timestamp(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") {
    const ms = ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms))
      throw new InvalidInputError(
        field,
        "must be epoch seconds or an ISO 8601 time with a zone, e.g. 2026-01-02T03:04:05Z",
      );
    return ms / 1000;
  }
  const seconds = finiteNumber(value, field, nonNegative);
  if (seconds > MAX_EPOCH_SECONDS)
    throw new InvalidInputError(field, "must be epoch seconds (this looks like milliseconds)");
  return seconds;
}

function basin(v: Record<string, unknown>, at: (name: string) => string, maxDimension: number): Basin | null {
  const encoding = v.basin_encoding ?? "simplex";
  if (encoding !== "simplex" && encoding !== "embedding")
    throw new InvalidInputError(at("basin_encoding"), 'must be "simplex" or "embedding"');
  const coords = v.basin_coords;
  if (coords === undefined || coords === null) return null;
  const field = at("basin_coords");
  if (!Array.isArray(coords) && !(ArrayBuffer.isView(coords) && !(coords instanceof DataView)))
    throw new InvalidInputError(field, "must be an array of numbers");
  const values = coords as ArrayLike<number>;
  if (values.length > maxDimension)
    throw new InvalidInputError(field, `has ${values.length} entries; at most ${maxDimension} are accepted`);
  // A view on a shared buffer (float-slab.ts): every snapshot's basin is allocated here.
  const out = float64s(values.length);
  return encoding === "embedding"
    ? embeddingToSimplex(values, field, out)
    : normalizeSimplex(values, field, out);
}

function text(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new InvalidInputError(field, "must be a string");
  if (value.length > MAX_STRING_LENGTH)
    throw new InvalidInputError(field, `must be at most ${MAX_STRING_LENGTH} characters`);
  return value;
}

function context(value: unknown, field: string, bounds: JsonBounds): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) throw new InvalidInputError(field, "must be a JSON object");
  assertJsonBounds(value, field, bounds);
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
