/**
 * Every error the core raises is one of these classes. `kind` is what the HTTP edge maps
 * to a status code in exactly one place (invalid → 400, unauthorized → 401, forbidden → 403,
 * not_found → 404, conflict → 409, unavailable → 503);
 * the core itself knows nothing of HTTP.
 */
export type ErrorKind =
  | "invalid"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "config"
  | "unavailable";

export abstract class AutonomicError extends Error {
  abstract readonly kind: ErrorKind;
  /** A stable, machine-readable code, e.g. "unknown_kernel". */
  abstract readonly code: string;
}

/** Bad input: names the offending field. */
export class InvalidInputError extends AutonomicError {
  readonly kind = "invalid";
  readonly code = "invalid_input";
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = "InvalidInputError";
  }
}

export class UnknownKernelError extends AutonomicError {
  readonly kind = "not_found";
  readonly code = "unknown_kernel";
  constructor(readonly kernelId: string) {
    super(`unknown kernel: ${kernelId}`);
    this.name = "UnknownKernelError";
  }
}

/** An action id the control plane never dispatched. */
export class UnknownActionError extends AutonomicError {
  readonly kind = "not_found";
  readonly code = "unknown_action";
  /** The field that named it, as InvalidInputError has. */
  readonly field = "action_id";
  constructor(readonly actionId: string) {
    super(`unknown action: ${actionId}`);
    this.name = "UnknownActionError";
  }
}

/** A request that contradicts the current state (a god live under another id, limits reached…). */
export class ConflictError extends AutonomicError {
  readonly kind = "conflict";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ConflictError";
  }
}

/** A configuration value that cannot work; raised at start-up, naming the key. */
export class ConfigError extends AutonomicError {
  readonly kind = "config";
  readonly code = "invalid_config";
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`config ${key}: ${detail}`);
    this.name = "ConfigError";
  }
}

/** The store could not commit; nothing was acknowledged and the in-memory state was reloaded. */
export class StoreUnavailableError extends AutonomicError {
  readonly kind = "unavailable";
  readonly code = "store_unavailable";
  constructor(override readonly cause: unknown) {
    super(`store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "StoreUnavailableError";
  }
}

export class UnknownPatchError extends AutonomicError {
  readonly kind = "not_found";
  readonly code = "unknown_patch";
  readonly field = "patch_id";
  constructor(readonly patchId: string) {
    super(`unknown patch: ${patchId}`);
    this.name = "UnknownPatchError";
  }
}
