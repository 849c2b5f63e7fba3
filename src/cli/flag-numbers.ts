/**
 * Numbers from command-line flags: a bad one is a usage error (exit 2) naming the flag,
 * never a silent default.
 */
import { CliError } from "./http-client.js";

/** @example flagNumber("1.5", "--hours") // 1.5 */
export function flagNumber(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value))
    throw new CliError(`${flag}: must be a number, got "${text}"`, 2);
  return value;
}

/** @example flagInteger("7", "--seed") // 7; flagInteger("-1", "--random-faults", 0) throws */
export function flagInteger(text: string, flag: string, min = Number.MIN_SAFE_INTEGER): number {
  const value = flagNumber(text, flag);
  if (!Number.isSafeInteger(value)) throw new CliError(`${flag}: must be an integer, got "${text}"`, 2);
  if (value < min) throw new CliError(`${flag}: must be ≥ ${min}, got "${text}"`, 2);
  return value;
}
