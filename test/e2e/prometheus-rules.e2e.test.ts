/**
 * deploy/'s Prometheus files checked by Prometheus's own promtool (Debian's prometheus
 * package): the alert rules load, their unit tests pass — each alert silent before its
 * `for:` and firing after, with the labels and annotations an operator receives — and the
 * example config, rules included, is valid.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { requireTool, runTool } from "../support/prometheus-tools.js";
import { REPO_ROOT } from "../support/server-process.js";

const RULES = "deploy/prometheus-rules.yml";
const RULE_TESTS = "deploy/prometheus-rules.test.yml";
const CONFIG = "deploy/prometheus.yml";

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleTest {
  alert_rule_test?: { eval_time: string; alertname: string; exp_alerts: unknown[] }[];
}

const readYaml = <T>(path: string): T => parse(readFileSync(join(REPO_ROOT, path), "utf8")) as T;
const alertRules = () =>
  readYaml<{ groups: { rules: AlertRule[] }[] }>(RULES).groups.flatMap((g) => g.rules.filter((r) => r.alert));

/** Seconds in a Prometheus duration such as "5m" or "1h30m". */
function seconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d)/g))
    total += Number(n) * (units[unit as string] ?? 0);
  return total;
}

let promtool: string;
beforeAll(() => {
  promtool = requireTool("promtool");
});

describe("alert rules", () => {
  it("pass promtool check rules", async () => {
    const run = await runTool(promtool, ["check", "rules", RULES]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/SUCCESS: 9 rules found/);
  });

  it("alert on Φ below 0.65, drift over its threshold, critical kernels, an open circuit breaker, a coverage gap, a change of leader and no leader", () => {
    const exprs = new Map(alertRules().map((r) => [r.alert, r.expr]));
    expect(exprs.get("AutonomicPhiLow")).toBe("geometric_health_phi < 0.65");
    expect(exprs.get("AutonomicBasinDriftCritical")).toMatch(
      /^geometric_health_basin_drift > ignoring\(severity\) geometric_health_basin_drift_threshold\{severity="critical"\}$/,
    );
    expect(exprs.get("AutonomicKernelsCritical")).toBe('geometric_health_status{severity="critical"} > 0');
    expect(exprs.get("AutonomicHealingCircuitOpen")).toBe("healing_circuit_breaker_open == 1");
    expect(exprs.get("AutonomicCoverageGap")).toBe("autonomic_rest_coverage_gap == 1");
    expect(exprs.get("AutonomicLeaderChanged")).toBe(
      "changes(autonomic_leader[5m]) > 0 and autonomic_leader == 1",
    );
    expect(exprs.get("AutonomicNoLeader")).toBe("sum by (job) (autonomic_leader) == 0");
  });

  it("each hold for a while, carry a severity, and say which kernel and what value in their annotations", () => {
    for (const rule of alertRules()) {
      expect(seconds(rule.for ?? "0s"), rule.alert).toBeGreaterThan(0);
      expect(["warning", "critical"], rule.alert).toContain(rule.labels?.severity);
      const text = `${rule.annotations?.summary ?? ""} ${rule.annotations?.description ?? ""}`;
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(text, rule.alert).toContain("{{ $value");
      // Per-kernel series name their kernel; the constellation-wide ones name the instance,
      // and the cluster-wide one (summed over the replicas) its job.
      expect(text, rule.alert).toMatch(/\{\{ \$labels\.(kernel|instance|job) \}\}/);
      if (
        rule.expr.match(/^(geometric_health_(phi|basin_drift)|autonomic_rest_coverage_gap|healing_circuit)/)
      )
        expect(text, rule.alert).toContain("{{ $labels.kernel }}");
    }
  });

  it("pass their unit tests under promtool test rules: each alert silent before its for: has passed and firing after", async () => {
    const run = await runTool(promtool, ["test", "rules", RULE_TESTS]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/SUCCESS/);
  });

  it("each have a unit test with a silent evaluation before a firing one", () => {
    const cases = readYaml<{ tests: RuleTest[] }>(RULE_TESTS).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alertRules()) {
      const own = cases.filter((c) => c.alertname === alert);
      const silent = own.filter((c) => c.exp_alerts.length === 0).map((c) => seconds(c.eval_time));
      const firing = own.filter((c) => c.exp_alerts.length > 0).map((c) => seconds(c.eval_time));
      expect(firing.length, `${alert} has no firing case`).toBeGreaterThan(0);
      expect(silent.length, `${alert} has no silent case`).toBeGreaterThan(0);
      expect(Math.min(...silent), `${alert} is not shown silent before it fires`).toBeLessThan(
        Math.min(...firing),
      );
    }
  });
});

describe("the example Prometheus config", () => {
  it("passes promtool check config, with the rules file it loads", async () => {
    const run = await runTool(promtool, ["check", "config", CONFIG]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/SUCCESS: 1 rule files found/);
    expect(run.output).toMatch(/Checking deploy\/prometheus-rules\.yml\s+SUCCESS: 9 rules found/);
  });

  it("scrapes Autonomic's default address and path as job autonomic", () => {
    const config = readYaml<{
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    }>(CONFIG);
    const job = config.scrape_configs.find((s) => s.job_name === "autonomic");
    expect(job?.metrics_path ?? "/metrics").toBe("/metrics");
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual(["127.0.0.1:7070"]);
  });
});
