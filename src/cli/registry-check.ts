/**
 * `autonomic registry check [FILE] [--json]`: gods by tier and policy, plus warnings;
 * exits 1 when the registry has errors.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { defaultRegistryPath } from "../core/registry/default-registry.js";
import {
  formatIssue,
  type GodContract,
  loadRegistryFile,
  type RegistryIssue,
  type RegistryLoadResult,
} from "../core/registry/registry.js";

export interface RegistryReport {
  file: string;
  ok: boolean;
  god_count: number;
  tiers: Record<string, number>;
  /** tier → policy → god names */
  by_tier: Record<string, Record<string, string[]>>;
  gods: {
    name: string;
    tier: string;
    rest_policy: string;
    partner: string | null;
    duty_cycle: number | null;
    coupling_affinity: string[];
  }[];
  chaos: {
    naming_pattern: string;
    total_active_limit: number;
    per_domain_limit: number;
    max_chaos_kernels: number;
  } | null;
  errors: RegistryIssue[];
  warnings: RegistryIssue[];
  unchecked_rules: string[];
}

export function registryReport(file: string, result: RegistryLoadResult): RegistryReport {
  const gods: GodContract[] = result.registry ? [...result.registry.gods.values()] : [];
  const byTier: Record<string, Record<string, string[]>> = {};
  const tiers: Record<string, number> = {};
  for (const g of gods) {
    tiers[g.tier] = (tiers[g.tier] ?? 0) + 1;
    byTier[g.tier] ??= {};
    const policies = byTier[g.tier] as Record<string, string[]>;
    policies[g.restPolicy.type] ??= [];
    policies[g.restPolicy.type]?.push(g.name);
  }
  const chaos = result.registry?.chaos;
  return {
    file,
    ok: result.errors.length === 0,
    god_count: gods.length,
    tiers,
    by_tier: byTier,
    gods: gods.map((g) => ({
      name: g.name,
      tier: g.tier,
      rest_policy: g.restPolicy.type,
      partner: g.restPolicy.partner ?? null,
      duty_cycle: g.restPolicy.dutyCycle ?? null,
      coupling_affinity: g.couplingAffinity,
    })),
    chaos: chaos
      ? {
          naming_pattern: chaos.namingPattern,
          total_active_limit: chaos.totalActiveLimit,
          per_domain_limit: chaos.perDomainLimit,
          max_chaos_kernels: chaos.maxChaosKernels,
        }
      : null,
    errors: result.errors,
    warnings: result.warnings,
    unchecked_rules: result.uncheckedRules,
  };
}

export function renderRegistryReport(r: RegistryReport): string {
  const lines: string[] = [];
  const tierSummary = Object.entries(r.tiers)
    .map(([tier, n]) => `${n} ${tier}`)
    .join(", ");
  lines.push(`${r.file}: ${r.god_count} gods${tierSummary ? ` (${tierSummary})` : ""}`);
  const detail = new Map(r.gods.map((g) => [g.name, g]));
  for (const [tier, policies] of Object.entries(r.by_tier)) {
    lines.push("", `${tier} (${r.tiers[tier]})`);
    for (const [policy, names] of Object.entries(policies)) {
      const described = names.map((n) => {
        const g = detail.get(n);
        const extras = [
          g?.partner ? `partner ${g.partner}` : "",
          g?.duty_cycle != null ? `duty ${g.duty_cycle}` : "",
        ].filter(Boolean);
        return extras.length ? `${n} (${extras.join(", ")})` : n;
      });
      lines.push(`  ${policy.padEnd(24)} ${described.join(", ")}`);
    }
  }
  if (r.chaos) {
    lines.push(
      "",
      `chaos kernels: ${r.chaos.naming_pattern}; ${r.chaos.total_active_limit} active, ${r.chaos.per_domain_limit} per domain, ${r.chaos.max_chaos_kernels} in all`,
    );
  }
  if (r.errors.length)
    lines.push("", `errors (${r.errors.length}):`, ...r.errors.map((i) => `  ${formatIssue(i)}`));
  lines.push(
    "",
    `warnings (${r.warnings.length})${r.warnings.length ? ":" : ""}`,
    ...r.warnings.map((i) => `  ${formatIssue(i)}`),
  );
  if (r.unchecked_rules.length)
    lines.push("", "rules not checked (not understood):", ...r.unchecked_rules.map((x) => `  ${x}`));
  return lines.join("\n");
}

export function registerRegistryCommand(program: Command): void {
  const registry = program.command("registry").description("work with pantheon registry files");
  registry
    .command("check")
    .description("load and validate a registry: gods by tier and policy, warnings; exit 1 on errors")
    .argument("[file]", "registry YAML (default: the registry shipped with Autonomic)")
    .option("--json", "print the report as JSON")
    .action((file: string | undefined, opts: { json?: boolean }) => {
      const path = file ?? defaultRegistryPath();
      if (!existsSync(path)) {
        process.stderr.write(`error: registry file not found: ${path}\n`);
        process.exitCode = 1;
        return;
      }
      const report = registryReport(path, loadRegistryFile(path));
      process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : renderRegistryReport(report)}\n`);
      if (!report.ok) process.exitCode = 1;
    });
}
