/**
 * The registry file lists its own validation rules in prose. We recognise the ones we
 * know how to check and report each breach as a warning: the users' registry breaks
 * "Essential tier gods must have rest_policy.type: never" on purpose (Hermes rotates),
 * and SPEC honours Hermes's policy, so the breach is worth seeing but not fatal.
 */

import type { RegistryIssue } from "./registry.js";
import type { RegistryFile } from "./registry-schema.js";

type RuleCheck = (file: RegistryFile, rule: string, match: RegExpMatchArray) => RegistryIssue[];

const CHECKS: [RegExp, RuleCheck][] = [
  [/unique names/i, uniqueNames],
  [/max_instances:\s*(\d+)/i, maxInstances],
  [/essential tier gods must have rest_policy\.type:\s*(\w+)/i, essentialPolicy],
  [/specialized gods must have e8_alignment/i, e8Alignment],
  [/chaos kernels must follow naming_pattern/i, () => []], // enforced when a chaos kernel registers
  [/total active kernels\s*<=\s*(\d+)/i, totalActive],
];

export function checkValidationRules(file: RegistryFile): { warnings: RegistryIssue[]; unchecked: string[] } {
  const warnings: RegistryIssue[] = [];
  const unchecked: string[] = [];
  for (const rule of file.validation_rules) {
    const found = CHECKS.find(([re]) => re.test(rule));
    if (!found) {
      unchecked.push(rule);
      continue;
    }
    const [re, check] = found;
    warnings.push(...check(file, rule, rule.match(re) as RegExpMatchArray));
  }
  return { warnings, unchecked };
}

function warn(rule: string, god: string | undefined, field: string, message: string): RegistryIssue {
  return { severity: "warning", god, field, message, rule };
}

function uniqueNames(file: RegistryFile, rule: string): RegistryIssue[] {
  // Exact duplicates are already YAML errors; names differing only in case are ambiguous.
  const seen = new Map<string, string>();
  const out: RegistryIssue[] = [];
  for (const name of Object.keys(file.gods)) {
    const first = seen.get(name.toLowerCase());
    if (first) out.push(warn(rule, name, "(name)", `differs from ${first} only in case`));
    else seen.set(name.toLowerCase(), name);
  }
  return out;
}

function maxInstances(file: RegistryFile, rule: string, match: RegExpMatchArray): RegistryIssue[] {
  const required = Number(match[1]);
  return Object.entries(file.gods)
    .filter(([, god]) => god.spawn_constraints?.max_instances !== required)
    .map(([name, god]) =>
      warn(
        rule,
        name,
        "spawn_constraints.max_instances",
        `is ${god.spawn_constraints?.max_instances ?? "missing"}, rule wants ${required}`,
      ),
    );
}

function essentialPolicy(file: RegistryFile, rule: string, match: RegExpMatchArray): RegistryIssue[] {
  const required = match[1];
  return Object.entries(file.gods)
    .filter(([, god]) => god.tier === "essential" && god.rest_policy.type !== required)
    .map(([name, god]) =>
      warn(
        rule,
        name,
        "rest_policy.type",
        `essential god is ${god.rest_policy.type}, rule wants ${required}; it will take micro-pauses and reduce, never rest fully`,
      ),
    );
}

function e8Alignment(file: RegistryFile, rule: string): RegistryIssue[] {
  return Object.entries(file.gods)
    .filter(
      ([, god]) =>
        god.tier === "specialized" && (god.e8_alignment === undefined || god.e8_alignment === null),
    )
    .map(([name]) => warn(rule, name, "e8_alignment", "is missing"));
}

function totalActive(file: RegistryFile, rule: string, match: RegExpMatchArray): RegistryIssue[] {
  const limit = Number(match[1]);
  const chaosActive = file.chaos_kernel_rules?.spawning_limits.total_active_limit ?? 200;
  const total = Object.keys(file.gods).length + chaosActive;
  return total > limit
    ? [
        warn(
          rule,
          undefined,
          "chaos_kernel_rules.spawning_limits.total_active_limit",
          `${Object.keys(file.gods).length} gods + ${chaosActive} chaos kernels = ${total} > ${limit}`,
        ),
      ]
    : [];
}
