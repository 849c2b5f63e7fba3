/**
 * Per-kernel brakes on remediation, the ones StackStorm users keep asking for:
 *  - a cooldown after every change (a patch applied or rolled back), so the kernel settles
 *    before it is judged and patched again;
 *  - a rate limit on patches generated per kernel in any rolling hour;
 *  - a circuit breaker that opens after N consecutive failed remediations and stays open
 *    until an operator resets it: a kernel no patch helps needs a human, not a fourth try.
 * Time is passed in as clock ms; the state exports as plain JSON for the service to persist.
 */
import { z } from "zod";
import { InvalidInputError } from "../errors.js";
import type { HealingConfig } from "./healing-config.js";

const HOUR_MS = 3_600_000;

export type GuardConfig = Pick<
  HealingConfig,
  "cooldownSeconds" | "maxPatchesPerKernelPerHour" | "circuitBreakerFailures"
>;

export type RemediationRefusalCode = "cooldown" | "rate_limited" | "circuit_open";

/**
 * @example { allowed: false, reason: "cooldown: 780 s left after the change at …", reason_code: "cooldown", retry_at: 1_790_000_900_000 }
 */
export type RemediationPermission =
  | { allowed: true }
  | {
      allowed: false;
      reason: string;
      reason_code: RemediationRefusalCode;
      /** When the refusal lifts by itself; null for an open circuit, which waits for an operator. */
      retry_at: number | null;
    };

/** What the guard remembers of one kernel. */
export interface KernelGuardState {
  /** When patches were generated within the last hour, oldest first. */
  generated_at: number[];
  /** The last patch applied or rolled back on the kernel. */
  last_change_at: number | null;
  consecutive_failures: number;
  /** When the breaker opened; null while closed. */
  circuit_opened_at: number | null;
}

/** @example { version: 1, kernels: { apollo_1: { generated_at: [], last_change_at: null, consecutive_failures: 2, circuit_opened_at: null } } } */
export interface RemediationGuardState {
  version: 1;
  kernels: Record<string, KernelGuardState>;
}

const time = z.number().finite();
const stateSchema = z.strictObject({
  version: z.literal(1),
  kernels: z.record(
    z.string(),
    z.strictObject({
      generated_at: z.array(time),
      last_change_at: time.nullable(),
      consecutive_failures: z.number().int().min(0),
      circuit_opened_at: time.nullable(),
    }),
  ),
});

/**
 * @example
 * const guard = new RemediationGuard(config.healing);
 * if (guard.canRemediate("apollo_1", now).allowed) guard.recordGenerated("apollo_1", now);
 * if (guard.recordOutcome("apollo_1", now, "failure").tripped) alert("circuit open for apollo_1");
 */
export class RemediationGuard {
  private kernels = new Map<string, KernelGuardState>();

  constructor(private readonly config: GuardConfig) {}

  /** Whether a new patch may be generated for the kernel now, and if not, why. */
  canRemediate(kernelId: string, now: number): RemediationPermission {
    const k = this.kernels.get(kernelId);
    if (k === undefined) return { allowed: true };
    if (k.circuit_opened_at !== null)
      return {
        allowed: false,
        reason_code: "circuit_open",
        reason: `circuit open since ${k.circuit_opened_at} after ${this.config.circuitBreakerFailures} consecutive failed remediations: an operator must reset it`,
        retry_at: null,
      };
    const cooldownEnds =
      k.last_change_at === null ? null : k.last_change_at + this.config.cooldownSeconds * 1000;
    if (cooldownEnds !== null && now < cooldownEnds)
      return {
        allowed: false,
        reason_code: "cooldown",
        reason: `cooldown: ${Math.ceil((cooldownEnds - now) / 1000)} s left of ${this.config.cooldownSeconds} s after the change at ${k.last_change_at}`,
        retry_at: cooldownEnds,
      };
    const recent = k.generated_at.filter((at) => at > now - HOUR_MS);
    const limit = this.config.maxPatchesPerKernelPerHour;
    if (recent.length >= limit)
      return {
        allowed: false,
        reason_code: "rate_limited",
        reason: `rate limited: ${recent.length} patches generated in the last hour, the limit is ${limit}`,
        // The window drops its oldest patch an hour after it was generated.
        retry_at: (recent[recent.length - limit] as number) + HOUR_MS,
      };
    return { allowed: true };
  }

  /** A patch was generated for the kernel: it counts toward the hourly limit. */
  recordGenerated(kernelId: string, now: number): void {
    const k = this.kernel(kernelId);
    k.generated_at = k.generated_at.filter((at) => at > now - HOUR_MS);
    k.generated_at.push(now);
  }

  /** A patch was applied or rolled back on the kernel: its cooldown starts now. */
  recordChange(kernelId: string, now: number): void {
    this.kernel(kernelId).last_change_at = now;
  }

  /**
   * A remediation ended. Failure is a rollback or a sandbox or apply action that failed;
   * success (a verified patch, a sandbox run that succeeded) clears the count. `tripped` is
   * true exactly once, when this failure opens the breaker, so the caller alerts once.
   */
  recordOutcome(kernelId: string, now: number, outcome: "success" | "failure"): { tripped: boolean } {
    const k = this.kernel(kernelId);
    if (outcome === "success") {
      k.consecutive_failures = 0;
      return { tripped: false };
    }
    k.consecutive_failures += 1;
    if (k.circuit_opened_at !== null || k.consecutive_failures < this.config.circuitBreakerFailures)
      return { tripped: false };
    k.circuit_opened_at = now;
    return { tripped: true };
  }

  /** An operator closes the kernel's breaker; returns whether it was open. Cooldown and rate history stay. */
  reset(kernelId: string): { was_open: boolean } {
    const k = this.kernels.get(kernelId);
    if (k === undefined) return { was_open: false };
    const wasOpen = k.circuit_opened_at !== null;
    k.circuit_opened_at = null;
    k.consecutive_failures = 0;
    return { was_open: wasOpen };
  }

  /** The breaker of one kernel, for status pages. */
  breaker(kernelId: string): { open: boolean; consecutive_failures: number; opened_at: number | null } {
    const k = this.kernels.get(kernelId);
    return {
      open: k?.circuit_opened_at != null,
      consecutive_failures: k?.consecutive_failures ?? 0,
      opened_at: k?.circuit_opened_at ?? null,
    };
  }

  /** A deep copy as plain JSON. */
  exportState(): RemediationGuardState {
    const kernels: Record<string, KernelGuardState> = {};
    for (const [id, k] of this.kernels) kernels[id] = { ...k, generated_at: [...k.generated_at] };
    return { version: 1, kernels };
  }

  /** Replaces the whole state with an exported one; throws an InvalidInputError naming a bad field. */
  loadState(state: unknown): void {
    const parsed = stateSchema.safeParse(state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidInputError(["state", ...(issue?.path ?? [])].join("."), issue?.message ?? "invalid");
    }
    this.kernels = new Map(
      Object.entries(parsed.data.kernels).map(([id, k]) => [id, { ...k, generated_at: [...k.generated_at] }]),
    );
  }

  private kernel(kernelId: string): KernelGuardState {
    let k = this.kernels.get(kernelId);
    if (k === undefined) {
      k = { generated_at: [], last_change_at: null, consecutive_failures: 0, circuit_opened_at: null };
      this.kernels.set(kernelId, k);
    }
    return k;
  }
}
