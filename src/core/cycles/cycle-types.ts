/**
 * The vocabulary of constellation cycles (SPEC §3 "Constellation cycles (rare)"): the three
 * cycle types in the order they are considered, and the two kernels whose consensus starts one.
 */

/** Lower-case, as cycle types travel on the wire and as config keys name them. */
export type CycleType = "sleep" | "dream" | "mushroom";

/**
 * Priority order: when several cycles are called for at once, the first that may start wins.
 * SLEEP first because an exhausted, scattered constellation must recover before loosening
 * its habits (DREAM) or shaking a rigid one (MUSHROOM) means anything.
 * @example CYCLE_TYPES[0] // "sleep"
 */
export const CYCLE_TYPES: readonly CycleType[] = ["sleep", "dream", "mushroom"];

/** The two god kernels that must both vote yes: Heart keeps the rhythm, Ocean the shape. */
export type Voter = "Heart" | "Ocean";

/** @example VOTERS.map((v) => v.toLowerCase()) // ["heart", "ocean"] */
export const VOTERS: readonly Voter[] = ["Heart", "Ocean"];

/** The decision record keys voters in lower case, as JSON fields. */
export type VoterKey = "heart" | "ocean";

/** @example voterKey("Ocean") // "ocean" */
export function voterKey(voter: Voter): VoterKey {
  return voter === "Heart" ? "heart" : "ocean";
}

/** Upper case in prose, as SPEC writes them. */
export function cycleLabel(type: CycleType): string {
  return type.toUpperCase();
}

/** Three significant decimals are enough for a reason a human reads; trailing zeros dropped. */
export function formatValue(v: number): string {
  return String(Number(v.toFixed(3)));
}
