/**
 * What the processes the server starts may see (SPEC §6 "Access", hardening): the patch test
 * command is an operator's shell string running repository code, and git runs hooks and
 * credential helpers, so neither gets the server's tokens or database URLs, and whatever
 * they print is stored (and readable with any token) only with known secrets blotted out.
 *
 * @example
 * const secrets = knownSecrets(process.env, [config.access.operatorToken]);
 * spawn(command, { env: childEnvironment(process.env, secrets) });
 * redactSecrets(output, secrets); // "… Bearer [redacted] …"
 */

/** Names that hold a secret by convention (AUTONOMIC_OPERATOR_TOKEN, GITHUB_TOKEN, PGPASSWORD, AWS_SECRET_ACCESS_KEY…). */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE_KEY|API_KEY|ACCESS_KEY/i;
/** Where the server's database is named. */
const DATABASE_NAMES = new Set(["DATABASE_URL", "AUTONOMIC_DB"]);
/** A connection URL with a password in it, whatever the variable is called. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;

/** Shorter values are too likely to occur by chance to be blotted out of output. */
const MIN_SECRET_LENGTH = 8;

export const REDACTED = "[redacted]";

function isSecretVariable(name: string, value: string, secrets: readonly string[]): boolean {
  if (SECRET_NAME.test(name) || DATABASE_NAMES.has(name.toUpperCase())) return true;
  if (/^postgres(ql)?:\/\//i.test(value) || URL_WITH_PASSWORD.test(value)) return true;
  return secrets.some((secret) => value.includes(secret));
}

/**
 * The secrets to keep out of children and their output: `configured` ones (tokens, a
 * database URL, a webhook URL, as given in the config file or the environment) and the
 * values of the environment's secret variables. Short and empty ones are left out.
 */
export function knownSecrets(
  env: NodeJS.ProcessEnv,
  configured: readonly (string | null | undefined)[],
): string[] {
  const fromConfig = configured.flatMap((s) => (s ? [s, ...passwordOf(s)] : []));
  const fromEnv = Object.entries(env).flatMap(([name, value]) =>
    value !== undefined && isSecretVariable(name, value, fromConfig) ? [value, ...passwordOf(value)] : [],
  );
  // Longest first, so a URL is blotted out whole before its password alone would be.
  return [...new Set([...fromConfig, ...fromEnv])]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
}

/** The environment a child gets: the server's, without secret variables. */
export function childEnvironment(env: NodeJS.ProcessEnv, secrets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && !isSecretVariable(name, value, secrets)) out[name] = value;
  return out;
}

/** `text` with every known secret replaced by [redacted]. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** The password of a URL, as written and decoded (a driver or a tool may print either). */
function passwordOf(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  const raw = url.password;
  if (raw === "") return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // kept as written
  }
  return [raw, decoded];
}
