/**
 * Loads a registry in the users' format and validates it in two layers:
 * structural faults (unknown policy, a partner that is not a god, a missing tier…) are
 * errors naming the god and field; the file's own `validation_rules` that it breaks are
 * warnings (Hermes is essential yet minimal_rotating by design).
 */
import { readFileSync } from "node:fs";
import { parseDocument, type YAMLError } from "yaml";
import { AutonomicError } from "../errors.js";
import { type RegistryFile, type RestPolicyType, registryFileSchema, type Tier } from "./registry-schema.js";
import { checkValidationRules } from "./validation-rules.js";

export interface RestPolicy {
  type: RestPolicyType;
  partner?: string;
  dutyCycle?: number;
  restDuration?: number;
  activeSeason?: string;
  restSeason?: string;
  reason?: string;
}

export interface GodContract {
  name: string;
  tier: Tier;
  domains: string[];
  couplingAffinity: string[];
  restPolicy: RestPolicy;
  maxInstances?: number;
  hasE8Alignment: boolean;
}

export interface ChaosRules {
  namingPattern: string;
  /** Matches a chaos kernel name; named groups `domain` and `id`. */
  namePattern: RegExp;
  maxChaosKernels: number;
  perDomainLimit: number;
  totalActiveLimit: number;
}

export interface Registry {
  /** Gods by their registry name, in file order. */
  gods: ReadonlyMap<string, GodContract>;
  chaos: ChaosRules;
  validationRules: string[];
  source: string;
}

export interface RegistryIssue {
  severity: "error" | "warning";
  /** The god the issue is about, when it is about one. */
  god?: string;
  /** Path of the field inside the god (or the file), e.g. "rest_policy.partner". */
  field: string;
  message: string;
  /** For warnings: the file's validation rule that is broken. */
  rule?: string;
}

export interface RegistryLoadResult {
  registry?: Registry;
  errors: RegistryIssue[];
  warnings: RegistryIssue[];
  /** validation_rules this loader does not know how to check. */
  uncheckedRules: string[];
}

export class RegistryError extends AutonomicError {
  readonly kind = "config";
  readonly code = "invalid_registry";
  constructor(
    readonly source: string,
    readonly issues: RegistryIssue[],
  ) {
    super(`registry ${source} is invalid:\n${issues.map(formatIssue).join("\n")}`);
    this.name = "RegistryError";
  }
}

export function formatIssue(issue: RegistryIssue): string {
  const where = issue.god ? `god ${issue.god}, field ${issue.field}` : `field ${issue.field}`;
  return `${issue.severity}: ${where}: ${issue.message}${issue.rule ? ` (rule: "${issue.rule}")` : ""}`;
}

/** Parses and validates registry YAML text. Never throws on bad content: look at `errors`. */
export function parseRegistry(text: string, source = "<registry>"): RegistryLoadResult {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { errors: doc.errors.map((e) => yamlIssue(e, text)), warnings: [], uncheckedRules: [] };
  }
  const raw: unknown = doc.toJS();
  const parsed = registryFileSchema.safeParse(raw);
  if (!parsed.success) {
    // Report reference faults too, so a user sees every fault in one round.
    const errors = parsed.error.issues.map(toRegistryIssue);
    const seen = new Set(errors.map((e) => `${e.god}/${e.field}`));
    for (const e of checkReferences(raw as RegistryFile))
      if (!seen.has(`${e.god}/${e.field}`)) errors.push(e);
    return { errors, warnings: [], uncheckedRules: [] };
  }
  const file = parsed.data;
  const errors = checkReferences(file);
  const { warnings, unchecked } = checkValidationRules(file);
  if (errors.length > 0) return { errors, warnings, uncheckedRules: unchecked };
  return { registry: toRegistry(file, source), errors, warnings, uncheckedRules: unchecked };
}

export function loadRegistryFile(path: string): RegistryLoadResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (err as Error).message;
    return {
      errors: [{ severity: "error", field: "(file)", message: `${path}: ${reason}` }],
      warnings: [],
      uncheckedRules: [],
    };
  }
  return parseRegistry(text, path);
}

/** Loads a registry and throws a RegistryError listing every error, if any. */
export function requireRegistry(path: string): Registry {
  const result = loadRegistryFile(path);
  if (!result.registry) throw new RegistryError(path, result.errors);
  return result.registry;
}

function yamlIssue(e: YAMLError, text: string): RegistryIssue {
  const message = e.message.split("\n")[0] ?? e.message;
  if (e.code === "DUPLICATE_KEY" && e.linePos) {
    const line = text.split("\n")[e.linePos[0].line - 1] ?? "";
    const key = line.trim().split(":")[0]?.trim();
    if (key) return { severity: "error", god: key, field: "(name)", message: `defined twice (${message})` };
  }
  return { severity: "error", field: "(yaml)", message };
}

function toRegistryIssue(issue: { path: PropertyKey[]; message: string }): RegistryIssue {
  const path = issue.path.map(String);
  if (path[0] === "gods" && path.length >= 2) {
    return {
      severity: "error",
      god: path[1],
      field: path.slice(2).join(".") || "(contract)",
      message: issue.message,
    };
  }
  return { severity: "error", field: path.join(".") || "(root)", message: issue.message };
}

/** Cross-references zod cannot see: partners and affinities must name gods of this file. */
function checkReferences(file: RegistryFile): RegistryIssue[] {
  const errors: RegistryIssue[] = [];
  if (typeof file?.gods !== "object" || file.gods === null) return errors;
  const names = new Set(Object.keys(file.gods));
  for (const [name, god] of Object.entries(file.gods)) {
    // Also called on data that failed the schema: skip what is not even shaped right.
    if (typeof god?.rest_policy !== "object" || god.rest_policy === null) continue;
    const policy = god.rest_policy;
    if (policy.partner !== undefined) {
      if (!names.has(policy.partner)) {
        errors.push({
          severity: "error",
          god: name,
          field: "rest_policy.partner",
          message: `"${policy.partner}" is not a god of this registry`,
        });
      } else if (policy.partner === name) {
        errors.push({
          severity: "error",
          god: name,
          field: "rest_policy.partner",
          message: "a god cannot partner itself",
        });
      }
    }
    (Array.isArray(god.coupling_affinity) ? god.coupling_affinity : []).forEach((other, i) => {
      if (!names.has(other)) {
        errors.push({
          severity: "error",
          god: name,
          field: `coupling_affinity[${i}]`,
          message: `"${other}" is not a god of this registry`,
        });
      }
    });
    if (policy.type === "coordinated_alternating" && policy.partner === undefined) {
      errors.push({
        severity: "error",
        god: name,
        field: "rest_policy.partner",
        message: "is required for coordinated_alternating",
      });
    }
    if (policy.type === "seasonal" && policy.duty_cycle === undefined) {
      errors.push({
        severity: "error",
        god: name,
        field: "rest_policy.duty_cycle",
        message: "is required for seasonal (the active share of a season)",
      });
    }
  }
  const pattern = file.chaos_kernel_rules?.naming_pattern;
  if (typeof pattern === "string" && !(pattern.includes("{domain}") && pattern.includes("{id}"))) {
    errors.push({
      severity: "error",
      field: "chaos_kernel_rules.naming_pattern",
      message: "must contain {domain} and {id}",
    });
  }
  return errors;
}

function toRegistry(file: RegistryFile, source: string): Registry {
  const gods = new Map<string, GodContract>();
  for (const [name, god] of Object.entries(file.gods)) {
    const p = god.rest_policy;
    gods.set(name, {
      name,
      tier: god.tier,
      domains: god.domain,
      couplingAffinity: god.coupling_affinity ?? [],
      restPolicy: {
        type: p.type,
        partner: p.partner,
        dutyCycle: p.duty_cycle,
        restDuration: p.rest_duration,
        activeSeason: p.active_season,
        restSeason: p.rest_season,
        reason: p.reason,
      },
      maxInstances: god.spawn_constraints?.max_instances,
      hasE8Alignment: god.e8_alignment !== undefined && god.e8_alignment !== null,
    });
  }
  const rules = file.chaos_kernel_rules ?? registryFileSchema.shape.chaos_kernel_rules.unwrap().parse({});
  const limits = rules.spawning_limits;
  return {
    gods,
    chaos: {
      namingPattern: rules.naming_pattern,
      namePattern: chaosNameRegExp(rules.naming_pattern),
      maxChaosKernels: limits.max_chaos_kernels,
      perDomainLimit: limits.per_domain_limit,
      totalActiveLimit: limits.total_active_limit,
    },
    validationRules: file.validation_rules,
    source,
  };
}

/**
 * "chaos_{domain}_{id}" → /^chaos_(?<domain>[a-z][a-z0-9_]*?)_(?<id>\d+)$/, whatever the
 * order of the placeholders; everything else in the pattern is matched literally.
 */
export function chaosNameRegExp(pattern: string): RegExp {
  const source = pattern
    .split(/(\{domain\}|\{id\})/)
    .map((part) =>
      part === "{domain}"
        ? "(?<domain>[a-z][a-z0-9_]*?)"
        : part === "{id}"
          ? "(?<id>\\d+)"
          : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${source}$`);
}

/** Finds a god by name, ignoring case ("apollo" → Apollo). */
export function findGod(registry: Registry, name: string): GodContract | undefined {
  const exact = registry.gods.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const god of registry.gods.values()) if (god.name.toLowerCase() === lower) return god;
  return undefined;
}
