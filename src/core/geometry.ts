/**
 * Information geometry of basins (SPEC §2). A basin is a point on the probability
 * simplex; √p puts it on the positive orthant of the unit sphere, where the Fisher–Rao
 * distance is twice the great-circle angle and geodesics are great circles.
 *
 * Functions take an optional `out` array so hot paths can reuse memory.
 */
import { InvalidInputError } from "./errors.js";

export type Basin = Float64Array;

/** "full" is the standard Fisher–Rao distance in [0, π]; "half" is the original code's angle in [0, π/2]. */
export type DistanceUnits = "full" | "half";

/**
 * Normalises non-negative weights onto the simplex.
 * @example normalizeSimplex([1, 1, 2]) // Float64Array [0.25, 0.25, 0.5]
 */
export function normalizeSimplex(values: ArrayLike<number>, field = "basin_coords", out?: Basin): Basin {
  const n = values.length;
  if (n === 0) throw new InvalidInputError(field, "must have at least one entry");
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new InvalidInputError(`${field}[${i}]`, "must be a finite number");
    if (v < 0) throw new InvalidInputError(`${field}[${i}]`, "must be ≥ 0 on the simplex");
    if (v > max) max = v;
  }
  if (!(max > 0)) throw new InvalidInputError(field, "entries must have a positive sum");
  // Scaling by the largest entry first keeps the sum finite for entries near Number.MAX_VALUE.
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] / max;
  const target = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) target[i] = values[i] / max / sum;
  return target;
}

/**
 * The sphere-to-simplex map for an arbitrary real embedding: p_i = x_i² / Σx².
 * @example embeddingToSimplex([3, -4]) // Float64Array [0.36, 0.64]
 */
export function embeddingToSimplex(values: ArrayLike<number>, field = "basin_coords", out?: Basin): Basin {
  const n = values.length;
  if (n === 0) throw new InvalidInputError(field, "must have at least one entry");
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new InvalidInputError(`${field}[${i}]`, "must be a finite number");
    if (Math.abs(v) > max) max = Math.abs(v);
  }
  if (!(max > 0)) throw new InvalidInputError(field, "embedding must be non-zero");
  // Scaling by the largest |x| before squaring avoids overflow (1e200) and underflow (1e-170).
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (values[i] / max) ** 2;
  const target = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) target[i] = (values[i] / max) ** 2 / sum;
  return target;
}

function assertSameDimension(p: ArrayLike<number>, q: ArrayLike<number>): void {
  if (p.length !== q.length)
    throw new InvalidInputError("basin_coords", `dimension ${q.length} differs from ${p.length}`);
}

/**
 * Great-circle angle between √p and √q, in [0, π/2] for simplex points.
 * Computed from the chord ‖√p − √q‖ rather than arccos of the inner product, which
 * loses half its digits near zero (identical basins must be exactly 0 apart).
 */
export function sphereAngle(p: ArrayLike<number>, q: ArrayLike<number>): number {
  assertSameDimension(p, q);
  let chord2 = 0;
  for (let i = 0; i < p.length; i++) {
    const d = Math.sqrt(p[i]) - Math.sqrt(q[i]);
    chord2 += d * d;
  }
  return angleOfChord(chord2);
}

/** The great-circle angle whose chord on the unit sphere has this square length. */
function angleOfChord(chord2: number): number {
  const halfChord = Math.sqrt(chord2) / 2;
  return 2 * Math.asin(halfChord > 1 ? 1 : halfChord);
}

/**
 * √p entry by entry: what sphereAngleFromRoots takes for a basin that is measured against
 * again and again (a kernel's baseline), so its square roots are taken once, not per snapshot.
 * @example rootsOf(Float64Array.of(0.25, 0.75)) // Float64Array [0.5, 0.866…]
 */
export function rootsOf(p: ArrayLike<number>): Float64Array {
  const roots = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) roots[i] = Math.sqrt(p[i] as number);
  return roots;
}

/**
 * sphereAngle(p, q) given rootsOf(p): the same operations in the same order, so the same
 * number to the last bit, with half the square roots.
 */
function sphereAngleFromRoots(rootsOfP: ArrayLike<number>, q: ArrayLike<number>): number {
  assertSameDimension(rootsOfP, q);
  let chord2 = 0;
  for (let i = 0; i < rootsOfP.length; i++) {
    const d = (rootsOfP[i] as number) - Math.sqrt(q[i] as number);
    chord2 += d * d;
  }
  return angleOfChord(chord2);
}

/** fisherRaoDistance(p, q, units) given rootsOf(p): the same number to the last bit. */
export function fisherRaoDistanceFromRoots(
  rootsOfP: ArrayLike<number>,
  q: ArrayLike<number>,
  units: DistanceUnits = "full",
): number {
  return inUnits(sphereAngleFromRoots(rootsOfP, q), units);
}

function inUnits(angle: number, units: DistanceUnits): number {
  return units === "full" ? 2 * angle : angle;
}

/**
 * Fisher–Rao distance d(p,q) = 2·arccos(Σ√(p_i q_i)), in [0, π] ("full") or half that.
 * @example fisherRaoDistance(onehot, uniform64) // 2·arccos(1/8) ≈ 2.891
 */
export function fisherRaoDistance(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  units: DistanceUnits = "full",
): number {
  return inUnits(sphereAngle(p, q), units);
}

/**
 * Moves p a fraction t of the way toward q along the Fisher–Rao geodesic
 * (slerp between √p and √q, squared back onto the simplex).
 */
export function geodesicStep(p: ArrayLike<number>, q: ArrayLike<number>, t: number, out?: Basin): Basin {
  assertSameDimension(p, q);
  if (!(t >= 0 && t <= 1)) throw new InvalidInputError("step", "must be within [0, 1]");
  const n = p.length;
  const target = out ?? new Float64Array(n);
  const theta = sphereAngle(p, q);
  let a: number;
  let b: number;
  if (theta < 1e-12) {
    a = 1 - t;
    b = t;
  } else {
    const s = Math.sin(theta);
    a = Math.sin((1 - t) * theta) / s;
    b = Math.sin(t * theta) / s;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = a * Math.sqrt(p[i]) + b * Math.sqrt(q[i]);
    target[i] = r * r;
    sum += r * r;
  }
  for (let i = 0; i < n; i++) target[i] = target[i] / sum;
  return target;
}

/**
 * Fréchet (Karcher) mean: the basin minimising the summed squared Fisher–Rao distance
 * to the given basins, by Riemannian gradient descent on the sphere. Simplex points lie
 * in one orthant, within a hemisphere, so the mean is unique and the descent converges.
 */
export function frechetMean(
  basins: readonly ArrayLike<number>[],
  maxIterations = 100,
  tolerance = 1e-12,
): Basin {
  const first = basins[0];
  if (first === undefined) throw new InvalidInputError("basins", "need at least one basin");
  const n = first.length;
  const roots = basins.map((b) => {
    assertSameDimension(first, b);
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = Math.sqrt(b[i]);
    return r;
  });
  // Start from the normalised Euclidean mean of the roots: already close for clustered basins.
  const m = new Float64Array(n);
  for (const r of roots) for (let i = 0; i < n; i++) m[i] = m[i] + r[i];
  normalizeUnit(m);
  const tangent = new Float64Array(n);
  for (let iter = 0; iter < maxIterations; iter++) {
    tangent.fill(0);
    for (const r of roots) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += m[i] * r[i];
      const cos = Math.min(1, Math.max(-1, dot));
      const theta = Math.acos(cos);
      if (theta < 1e-15) continue;
      const scale = theta / Math.sin(theta) / roots.length;
      for (let i = 0; i < n; i++) tangent[i] = tangent[i] + scale * (r[i] - cos * m[i]);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += tangent[i] ** 2;
    norm = Math.sqrt(norm);
    if (norm < tolerance) break;
    const c = Math.cos(norm);
    const s = Math.sin(norm) / norm;
    for (let i = 0; i < n; i++) m[i] = c * m[i] + s * tangent[i];
    normalizeUnit(m);
  }
  for (let i = 0; i < n; i++) m[i] = m[i] ** 2;
  return m;
}

function normalizeUnit(v: Float64Array): void {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] ** 2;
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] = v[i] / norm;
}
