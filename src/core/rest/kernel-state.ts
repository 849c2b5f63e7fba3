/**
 * The mutable rest state of one kernel. The scheduler owns these objects and mutates
 * them in place, so a telemetry report allocates nothing.
 */
import type { CycleType } from "../cycles/cycle-types.js";
import type { GodContract } from "../registry/registry.js";
import type { RestPolicyType, Tier } from "../registry/registry-schema.js";

export type RestStatus = "active" | "resting" | "reduced" | "micro_pause";
export type RestMode = Exclude<RestStatus, "active">;
export type KernelTier = Tier | "chaos";
export type KernelPolicy = RestPolicyType | "chaos";

export interface RestInterval {
  startedAt: number;
  endedAt: number;
}

export interface KernelRestState {
  kernelId: string;
  kernelName: string;
  tier: KernelTier;
  policy: KernelPolicy;
  /** The god's contract; undefined for chaos kernels. */
  contract: GodContract | undefined;
  /** The god that covers a chaos kernel, by god name. */
  mentor: string | null;
  chaosDomain: string | null;
  registeredAt: number;

  status: RestStatus;
  statusSince: number;

  hasTelemetry: boolean;
  phi: number;
  kappa: number;
  load: number;
  errorRate: number;
  fatigue: number;
  /** Clock ms of the last report; 0 until the first (see hasTelemetry). A plain number so
   * V8 keeps the field unboxed and a report allocates nothing. */
  lastReportAt: number;

  restStartedAt: number | null;
  restPlannedUntil: number | null;
  restForced: boolean;
  restReasonCode: string | null;
  fatigueAtRest: number;
  phiAtRest: number;
  kappaAtRest: number;

  /** The coverer (with multi-partner coverage, the first of two). */
  coveredBy: string | null;
  /** The second partner when two share the coverage; null otherwise. */
  coveredAlsoBy: string | null;
  coveringFor: string | null;
  /** Share of the covered kernel's carried load this coverer takes: 1 alone, less when shared; 0 when not covering. */
  coverShare: number;
  /** While resting: the load its coverers carry between them (coverLoadFraction × its load at rest). */
  carriedLoad: number;

  /** The constellation cycle this rest belongs to; such a rest needs no coverer and ends with the cycle. */
  restCycle: CycleType | null;
  /** The context handed to the coverer for this rest (JSON); null when none was given. */
  restContext: unknown;
  /** The context of the last rest, handed back on waking; kept until the next rest starts. */
  returnedContext: unknown;

  /** Added to the policy's fatigue thresholds by adaptive thresholds, within ±maxShift. */
  thresholdShift: number;
  /** Smoothed fatigue slope per second over reports while active (predictive rest). */
  fatigueSlopePerSecond: number;
  /** Reports since the last rest ended (or registration): a trend needs a few. */
  reportsSinceRest: number;
  /**
   * The sequence number of the last fatigue report folded into this state (see the
   * scheduler's `reportFatigue`); at registration, the scheduler's count then, so that no
   * report stored before it (an earlier kernel with the same id) is ever replayed onto it.
   */
  reportSeq: number;

  lastRestEndedAt: number | null;
  restCount: number;
  totalRestSeconds: number;
  /** Finished rests still inside the longest duty-cycle window, oldest first. */
  recentRests: RestInterval[];
}

export function isResting(k: KernelRestState): boolean {
  return k.status !== "active";
}

export function newKernelState(
  kernelId: string,
  kernelName: string,
  contract: GodContract | undefined,
  mentor: string | null,
  chaosDomain: string | null,
  now: number,
): KernelRestState {
  return {
    kernelId,
    kernelName,
    tier: contract ? contract.tier : "chaos",
    policy: contract ? contract.restPolicy.type : "chaos",
    contract,
    mentor,
    chaosDomain,
    registeredAt: now,
    status: "active",
    statusSince: now,
    hasTelemetry: false,
    phi: 0,
    kappa: 0,
    load: 0,
    errorRate: 0,
    fatigue: 0,
    lastReportAt: 0,
    restStartedAt: null,
    restPlannedUntil: null,
    restForced: false,
    restReasonCode: null,
    fatigueAtRest: 0,
    phiAtRest: 0,
    kappaAtRest: 0,
    coveredBy: null,
    coveredAlsoBy: null,
    coveringFor: null,
    coverShare: 0,
    carriedLoad: 0,
    restCycle: null,
    restContext: null,
    returnedContext: null,
    thresholdShift: 0,
    fatigueSlopePerSecond: 0,
    reportsSinceRest: 0,
    reportSeq: 0,
    lastRestEndedAt: null,
    restCount: 0,
    totalRestSeconds: 0,
    recentRests: [],
  };
}
