/**
 * The error raised when a store cannot be opened or migrated. It names the location so an
 * operator knows which file or database is meant, with any password masked, since this
 * message ends up in logs.
 *
 * @example
 * throw new StoreOpenError("postgres://app:s3cret@db/autonomic", "connection refused");
 * // message: store postgres://app:***@db/autonomic: connection refused
 */
import { AutonomicError } from "../core/errors.js";

export class StoreOpenError extends AutonomicError {
  // Raised at start-up from the configured store.location, like a ConfigError.
  readonly kind = "config";
  readonly code = "store_open_failed";
  /** The location with any password masked. */
  readonly location: string;

  constructor(location: string, detail: string, options?: { cause?: unknown }) {
    const masked = maskLocation(location);
    super(`store ${masked}: ${maskSecrets(detail, location)}`, options);
    this.name = "StoreOpenError";
    this.location = masked;
  }
}

/** True for a location that names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The location with the password of a URL (user:password@ or ?password=) replaced by ***. */
export function maskLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  return location
    .replace(/^(postgres(?:ql)?:\/\/[^:/@?#]*):[^@/]*@/i, "$1:***@")
    .replace(/([?&]password=)[^&#]*/gi, "$1***");
}

/** Removes the location's password from a message that may echo it (a driver's error text). */
function maskSecrets(detail: string, location: string): string {
  let masked = detail;
  for (const secret of passwordsOf(location)) masked = masked.split(secret).join("***");
  return masked;
}

/** The password as written in the URL and decoded, since a driver may echo either. */
function passwordsOf(location: string): string[] {
  if (!isPostgresUrl(location)) return [];
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return [];
  }
  const secrets = [url.password, safeDecode(url.password), url.searchParams.get("password") ?? ""];
  return [...new Set(secrets.filter((s) => s !== ""))];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
