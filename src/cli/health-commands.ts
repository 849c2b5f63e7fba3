/**
 * `autonomic trends` and `autonomic history`: a kernel's slopes, and its stored snapshots.
 */
import type { Command } from "commander";
import type { TrendReport } from "../core/health/reports.js";
import { type CommonOptions, clientOf, withClientOptions } from "./client-options.js";
import { apiRequest } from "./http-client.js";
import { fixed, printJson, table } from "./output.js";

interface HistoryRow {
  kernel_id: string;
  timestamp: string;
  phi: number;
  kappa_eff: number;
  basin_drift: number | null;
  regime: string;
  error_rate: number | null;
  avg_latency_ms: number | null;
  memory_mb: number | null;
  label: string | null;
  context: Record<string, unknown> | null;
}

/** A context in a table cell: its JSON, cut to `max` characters (`--json` has it whole). */
function contextCell(context: Record<string, unknown> | null, max = 40): string | null {
  if (context === null) return null;
  const text = JSON.stringify(context);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function registerHealthCommands(program: Command): void {
  withClientOptions(
    program
      .command("trends")
      .description("least-squares slope per snapshot of Φ, κ, latency, error rate and memory")
      .option("--kernel <id>", "one kernel (default: every kernel)"),
  ).action(async (options: CommonOptions & { kernel?: string }) => {
    const query = options.kernel ? `?kernel_id=${encodeURIComponent(options.kernel)}` : "";
    const { trends } = await apiRequest<{ trends: TrendReport | { kernels: TrendReport[] } }>(
      clientOf(options),
      "GET",
      `/api/self-healing/trends${query}`,
    );
    if (options.json) return printJson(trends);
    const list = "kernels" in trends ? trends.kernels : [trends];
    const rows = list.map((t) => {
      const s = t.slopes_per_snapshot;
      return [
        t.kernel_id,
        t.window_snapshots,
        fixed(s.phi, 4),
        fixed(s.kappa_eff, 3),
        fixed(s.avg_latency_ms, 1),
        fixed(s.error_rate, 4),
        fixed(s.memory_mb, 2),
      ];
    });
    process.stdout.write(
      `${table(["kernel", "window", "Φ/snap", "κ/snap", "latency ms/snap", "errors/snap", "memory MB/snap"], rows)}\n`,
    );
  });

  withClientOptions(
    program
      .command("history")
      .description("stored snapshots, newest first")
      .option("--kernel <id>", "one kernel (default: every kernel)")
      .option("--since <time>", "only snapshots at or after this ISO 8601 time or epoch seconds")
      .option("--limit <n>", "at most this many (1–1000)", "50"),
  ).action(async (options: CommonOptions & { kernel?: string; since?: string; limit: string }) => {
    const params = new URLSearchParams({ limit: options.limit });
    if (options.kernel) params.set("kernel_id", options.kernel);
    if (options.since) params.set("since", options.since);
    const reply = await apiRequest<{ snapshots: HistoryRow[]; next_cursor: string | null }>(
      clientOf(options),
      "GET",
      `/api/self-healing/snapshots?${params}`,
    );
    if (options.json) return printJson(reply);
    const rows = reply.snapshots.map((r) => [
      r.timestamp,
      r.kernel_id,
      fixed(r.phi),
      fixed(r.kappa_eff, 1),
      fixed(r.basin_drift, 3),
      r.regime,
      fixed(r.error_rate, 3),
      fixed(r.avg_latency_ms, 0),
      fixed(r.memory_mb, 0),
      r.label,
      contextCell(r.context),
    ]);
    process.stdout.write(
      `${table(["time", "kernel", "Φ", "κ", "drift", "regime", "errors", "latency ms", "memory MB", "label", "context"], rows)}\n`,
    );
    if (reply.next_cursor)
      process.stdout.write(`(more: ${reply.snapshots.length} shown; narrow with --since or --kernel)\n`);
  });
}
