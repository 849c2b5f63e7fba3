/**
 * Builds the one config object from its layers, later ones winning: defaults, then a file
 * (`--config`, YAML or JSON), then the environment, then command-line flags. A bad value
 * stops start-up with a ConfigError naming the key and where it came from.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { type AutonomicConfig, buildConfig, type DeepPartial } from "../core/config.js";
import { ConfigError } from "../core/errors.js";

type Layer = DeepPartial<AutonomicConfig>;

/** Environment variables and the config key each one sets. */
export const ENVIRONMENT: Record<string, { key: string; kind: "string" | "number" }> = {
  AUTONOMIC_HOST: { key: "server.host", kind: "string" },
  AUTONOMIC_PORT: { key: "server.port", kind: "number" },
  AUTONOMIC_LOG_LEVEL: { key: "server.logLevel", kind: "string" },
  AUTONOMIC_RATE_LIMIT_PER_MINUTE: { key: "server.rateLimitPerMinute", kind: "number" },
  AUTONOMIC_DB: { key: "store.location", kind: "string" },
  DATABASE_URL: { key: "store.location", kind: "string" },
  AUTONOMIC_FATIGUE_RETENTION_SECONDS: { key: "store.fatigueRetentionSeconds", kind: "number" },
  AUTONOMIC_REGISTRY: { key: "registryPath", kind: "string" },
  AUTONOMIC_KERNEL_TOKEN: { key: "access.kernelToken", kind: "string" },
  AUTONOMIC_OPERATOR_TOKEN: { key: "access.operatorToken", kind: "string" },
  AUTONOMIC_VIEWER_TOKEN: { key: "access.viewerToken", kind: "string" },
  AUTONOMIC_ALERT_WEBHOOK_URL: { key: "alerts.webhookUrl", kind: "string" },
  AUTONOMIC_MAX_KERNELS: { key: "monitor.maxKernels", kind: "number" },
  AUTONOMIC_ADVERTISE_URL: { key: "ha.advertiseUrl", kind: "string" },
  AUTONOMIC_HA_LEASE_SECONDS: { key: "ha.leaseSeconds", kind: "number" },
};

export interface ConfigSources {
  /** Path of a YAML or JSON config file. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Already-typed overrides from flags, e.g. { server: { port: 8080 } }. */
  flags?: Layer;
}

export function loadConfig(sources: ConfigSources = {}): AutonomicConfig {
  const origin = new Map<string, string>();
  const fileLayer = sources.file ? readConfigFile(sources.file) : {};
  for (const key of leafKeys(fileLayer)) origin.set(key, `file ${sources.file}`);
  const envLayer = environmentLayer(sources.env ?? {}, origin);
  const flagLayer = sources.flags ?? {};
  for (const key of leafKeys(flagLayer)) origin.set(key, "flags");
  try {
    const config = buildConfig(fileLayer, envLayer, flagLayer);
    assertTokensOffLoopback(config);
    return config;
  } catch (err) {
    if (err instanceof ConfigError && origin.has(err.key)) {
      // A message that names another key (two tokens that are the same) names its origin too.
      const others = [...origin.keys()].filter((k) => k !== err.key && err.message.includes(k));
      const from = [origin.get(err.key), ...others.map((k) => `${k} from ${origin.get(k)}`)].join("; ");
      throw new ConfigError(err.key, `${err.message.replace(`config ${err.key}: `, "")} (from ${from})`);
    }
    throw err;
  }
}

/** Binding beyond loopback without tokens would let anyone on the network force rests. */
function assertTokensOffLoopback(config: AutonomicConfig): void {
  const loopback = ["127.0.0.1", "::1", "localhost"].includes(config.server.host);
  if (!loopback && (!config.access.kernelToken || !config.access.operatorToken)) {
    throw new ConfigError(
      "access",
      `binding ${config.server.host} needs both a kernel and an operator token (AUTONOMIC_KERNEL_TOKEN, AUTONOMIC_OPERATOR_TOKEN)`,
    );
  }
}

function readConfigFile(path: string): Layer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("--config", `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = parseYaml(text); // YAML is a superset of JSON
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("top level must be a mapping");
    return parsed as Layer;
  } catch (err) {
    throw new ConfigError("--config", `${path} is not valid YAML or JSON: ${(err as Error).message}`);
  }
}

function environmentLayer(env: NodeJS.ProcessEnv, origin: Map<string, string>): Layer {
  const layer: Record<string, unknown> = {};
  for (const [name, { key, kind }] of Object.entries(ENVIRONMENT)) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const value = kind === "number" && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    setPath(layer, key, value);
    origin.set(key, name);
  }
  return layer as Layer;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function leafKeys(layer: unknown, prefix = ""): string[] {
  if (typeof layer !== "object" || layer === null || Array.isArray(layer)) return prefix ? [prefix] : [];
  return Object.entries(layer).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}
