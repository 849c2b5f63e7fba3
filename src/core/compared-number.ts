/**
 * Numbers shown beside the limit they were compared with. Rounding for reading must never
 * hide the comparison: 0.69996 of a 0.7 duty cycle printed as "70.0 %" reads as no reason at
 * all. These keep the usual number of digits and add more only until the rounded value sits on
 * the same side of the limit as the true one (or on it, when it is on it).
 */

/** The limit itself, as written in the config: no float noise (0.29 × 100 is "29", not "28.999999999999996"). */
export function plain(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(12))) : String(x);
}

/**
 * `value` to `decimals` places, or more where fewer would round it onto or across `limit`;
 * trailing zeros kept, as toFixed keeps them.
 * @example fixedBeside(69.996, 70, 1) // "69.996"
 * @example fixedBeside(65.04, 70, 1) // "65.0"
 */
export function fixedBeside(value: number, limit: number, decimals: number): string {
  return beside(value, limit, decimals, 12, (d) => value.toFixed(d));
}

/**
 * `value` to `digits` significant digits (trailing zeros dropped), or more where fewer would
 * round it onto or across `limit`.
 * @example precisionBeside(0.699996, 0.7) // "0.699996"
 * @example precisionBeside(0.6354999, 0.7) // "0.6355"
 */
export function precisionBeside(value: number, limit: number, digits = 4): string {
  return beside(value, limit, digits, 15, (p) => String(Number(value.toPrecision(p))));
}

function beside(
  value: number,
  limit: number,
  from: number,
  most: number,
  format: (digits: number) => string,
): string {
  if (!Number.isFinite(value) || !Number.isFinite(limit)) return format(from);
  const side = Math.sign(value - limit);
  for (let d = from; d < most; d++) {
    const text = format(d);
    if (Math.sign(Number(text) - limit) === side) return text;
  }
  return format(most);
}
