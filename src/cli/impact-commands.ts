/**
 * `autonomic calibrate` and `autonomic report`: the server's threshold calibration and
 * impact report (GET /api/self-healing/calibration, GET /api/report). Both only read, so
 * they are safe beside a live server. `calibrate --write FILE` writes the suggested
 * thresholds as a YAML config layer, in the config file's own format, to pass to
 * `autonomic serve --config` (or merge into the file already in use).
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { stringify } from "yaml";
import type { ImpactReport } from "../core/healing/impact-report.js";
import type { CalibrationReport, RuleCalibration } from "../core/health/calibration.js";
import { type CommonOptions, clientOf, withClientOptions } from "./client-options.js";
import { apiRequest, CliError } from "./http-client.js";
import { fixed, printJson, table } from "./output.js";

interface SpanOptions extends CommonOptions {
  since?: string;
  until?: string;
}

/** The report and calibration as the wire gives them: instants are ISO strings there. */
type Wire<T> = Omit<T, "from_at" | "to_at"> & { from_at: string; to_at: string };

function spanQuery(options: SpanOptions & { kernel?: string }): string {
  const q = new URLSearchParams();
  if (options.since) q.set("since", options.since);
  if (options.until) q.set("until", options.until);
  if (options.kernel) q.set("kernel_id", options.kernel);
  const text = q.toString();
  return text ? `?${text}` : "";
}

const CALIBRATE_HELP = `
Per rule and candidate it shows alerts per day, incidents still caught (verified patches and
alerts a person confirmed) and false positives (reviews marked not needed). A kernel whose
own best threshold differs gets a health.kernelOverrides entry. Only looser thresholds are
suggested. It only reads: safe beside a live server.

Examples:
  autonomic calibrate                          the last 7 days, all kernels
  autonomic calibrate --since 24h --kernel hermes_1
  autonomic calibrate --write suggested.yaml   then: autonomic serve --config suggested.yaml
`;

const REPORT_HELP = `
Measured figures only. An estimate of a person's time saved appears only when
report.minutesPerIncident is set in the config, and is labelled an estimate. The phase 4
gate's "uptime improved, human time saved" reads from this report.

Examples:
  autonomic report                             the last 30 days, week by week
  autonomic report --since 2026-01-01T00:00:00Z --until 2026-02-01T00:00:00Z --json
`;

export function registerImpactCommands(program: Command): void {
  withClientOptions(
    program
      .command("calibrate")
      .description(
        "replay stored snapshots under a grid of thresholds per rule and suggest, per rule and per kernel, the one that keeps every caught incident with the fewest alerts (reads only)",
      )
      .option(
        "--since <when>",
        "start of the history: a length back from --until (7d, 24h, 90m, 2w) or an ISO 8601 time",
        "7d",
      )
      .option("--until <when>", "end of the history (default now), in the same forms")
      .option("--kernel <id>", "calibrate on one kernel's history only")
      .option("--write <file>", "write the suggested thresholds to FILE as a YAML config layer")
      .addHelpText("after", CALIBRATE_HELP),
  ).action(async (options: SpanOptions & { kernel?: string; write?: string }) => {
    const { calibration } = await apiRequest<{ calibration: Wire<CalibrationReport> }>(
      clientOf(options),
      "GET",
      `/api/self-healing/calibration${spanQuery(options)}`,
    );
    if (options.write) writeConfigLayer(options.write, calibration.config);
    if (options.json) return printJson({ calibration });
    process.stdout.write(`${renderCalibration(calibration, options.write ?? null)}\n`);
  });

  withClientOptions(
    program
      .command("report")
      .description(
        "the impact report: incidents detected, healed, escalated; time to detect and heal; reviews; critical time; rests (reads only)",
      )
      .option(
        "--since <when>",
        "start of the span: a length back from --until (30d, 24h, 2w) or an ISO 8601 time",
        "30d",
      )
      .option("--until <when>", "end of the span (default now), in the same forms")
      .addHelpText("after", REPORT_HELP),
  ).action(async (options: SpanOptions) => {
    const { report } = await apiRequest<{ report: Wire<ImpactReport> }>(
      clientOf(options),
      "GET",
      `/api/report${spanQuery(options)}`,
    );
    if (options.json) return printJson({ report });
    process.stdout.write(`${renderReport(report)}\n`);
  });
}

function writeConfigLayer(path: string, layer: CalibrationReport["config"]): void {
  const header =
    "# Thresholds suggested by `autonomic calibrate`: a config layer for `autonomic serve --config`.\n";
  try {
    writeFileSync(path, header + stringify(layer));
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

export function renderCalibration(c: Wire<CalibrationReport>, written: string | null): string {
  const rows = c.rules.map((r) => [
    r.rule,
    r.config_key,
    r.current,
    r.suggested.threshold,
    alertsAt(r, 1),
    r.suggested.alerts_per_day,
    `${r.suggested.incidents_caught}/${r.incidents}`,
    r.suggested.false_positives,
    r.kernel_overrides.map((k) => `${k.kernel_id}→${k.suggested.threshold}`).join(" ") || null,
  ]);
  const lines = [
    `calibration over ${c.from_at} … ${c.to_at} (${fixed(c.days, 1)} days): ${c.kernels} kernels, ${c.snapshots} snapshots, ${c.incidents} incidents, ${c.false_positive_evidence} false positives on record`,
    "",
    table(
      [
        "rule",
        "config key",
        "now",
        "suggested",
        "alerts/day now",
        "alerts/day then",
        "incidents kept",
        "false pos.",
        "kernel overrides",
      ],
      rows,
    ),
  ];
  const changes = Object.keys(c.config.health).length;
  lines.push(
    "",
    changes === 0
      ? "no change suggested"
      : written
        ? `suggested thresholds written to ${written}`
        : "write them with --write FILE",
  );
  return lines.join("\n");
}

function alertsAt(r: RuleCalibration, factor: number): number | null {
  return r.candidates.find((c) => c.factor === factor)?.alerts_per_day ?? null;
}

export function renderReport(r: Wire<ImpactReport>): string {
  const i = r.incidents;
  const spread = (s: { count: number; median: number | null; p95: number | null }) =>
    s.count === 0 ? "none" : `median ${fixed(s.median, 0)} s, p95 ${fixed(s.p95, 0)} s (${s.count})`;
  const lines = [
    `impact report ${r.from_at} … ${r.to_at}`,
    `incidents: ${i.detected} detected, ${i.healed} healed (verified), ${i.escalated} escalated, ${i.open} still open; ${i.false_positives} false positives, ${i.rollbacks} rollbacks`,
    `time to detect: ${spread(r.time_to_detect_seconds)}`,
    `time to heal: ${spread(r.time_to_heal_seconds)}`,
    `human reviews: ${r.reviews.decided} (${r.reviews.approved} approved, ${r.reviews.rejected} rejected); time to decision ${spread(r.reviews.time_to_decision_seconds)}`,
    `kernel-time critical: ${r.critical_share === null ? "-" : `${fixed(r.critical_share * 100, 2)} %`} of ${fixed(r.kernel_hours, 1)} kernel-hours`,
    `rests: ${r.rests.granted} granted, ${r.rests.refused ?? "unknown"} refused${r.rests.refusals_counted_from_at === null ? "" : ` (counted since ${r.rests.refusals_counted_from_at})`}; coverage gap ${r.rests.coverage_gap_seconds} s`,
  ];
  if (r.estimate)
    lines.push(`${r.estimate.minutes_saved} minutes of a person's time saved (${r.estimate.note})`);
  lines.push(
    "",
    table(
      ["week from", "detected", "healed", "escalated", "false pos.", "rollbacks", "reviews", "critical %"],
      r.weeks.map((w) => [
        String(w.week_starts_at).slice(0, 10),
        w.detected,
        w.healed,
        w.escalated,
        w.false_positives,
        w.rollbacks,
        w.reviews,
        w.critical_share === null ? null : fixed(w.critical_share * 100, 2),
      ]),
    ),
  );
  return lines.join("\n");
}
