/**
 * `autonomic kernels`, `autonomic rest request|end|quality`: talk to a server. `kernels`
 * holds the client options for its subcommand `retire` (retire-command.ts).
 */
import type { Command } from "commander";
import type { KernelStatus } from "../core/rest/status.js";
import type { RestQualityRow } from "../store/store-types.js";
import { type CommonOptions, clientOf, withClientOptions } from "./client-options.js";
import { apiRequest } from "./http-client.js";
import { fixed, printJson, table } from "./output.js";

/** Exit code of a rest request the scheduler refused (not an error: the reply says why). */
export const EXIT_REFUSED = 3;

function kernelTable(kernels: KernelStatus[]): string {
  return table(
    ["kernel", "name", "tier", "policy", "status", "fatigue", "covered by", "covering", "rests"],
    kernels.map((k) => [
      k.kernel_id,
      k.kernel_name,
      k.tier,
      k.rest_policy,
      k.status,
      fixed(k.fatigue_score),
      k.covered_by,
      k.covering_for,
      k.rest_count,
    ]),
  );
}

function qualityTable(rows: RestQualityRow[]): string {
  return table(
    [
      "kernel",
      "rests",
      "mean s",
      "fatigue at rest",
      "after",
      "Φ at rest",
      "after",
      "κ at rest",
      "after",
      "recovery/min",
    ],
    rows.map((r) => [
      r.kernel_id ?? "(all)",
      r.rests,
      fixed(r.mean_duration_seconds, 1),
      fixed(r.mean_fatigue_at_rest),
      fixed(r.mean_fatigue_after),
      fixed(r.mean_phi_at_rest),
      fixed(r.mean_phi_after),
      fixed(r.mean_kappa_at_rest, 1),
      fixed(r.mean_kappa_after, 1),
      fixed(r.mean_recovery_per_minute, 3),
    ]),
  );
}

/** Registers the commands; returns `kernels`, the parent `kernels retire` hangs under. */
export function registerRestCommands(program: Command): { kernels: Command } {
  // As `patches` holds its subcommands' client options (see parentCommand), so --url and
  // --json work on either side of `retire`, and its help lists them.
  const kernels = withClientOptions(
    program.command("kernels").description("list registered kernels with their rest state; retire one"),
  )
    .configureHelp({ showGlobalOptions: true })
    .action(async (options: CommonOptions) => {
      const reply = await apiRequest<{ count: number; kernels: KernelStatus[] }>(
        clientOf(options),
        "GET",
        "/api/rest/kernels",
      );
      if (options.json) return printJson(reply);
      process.stdout.write(`${kernelTable(reply.kernels)}\n`);
    });

  const rest = program.command("rest").description("request or end a kernel's rest");
  withClientOptions(
    rest
      .command("request")
      .description(`ask for a kernel to rest; exits ${EXIT_REFUSED} when refused, with the reason`)
      .argument("<kernel_id>", "the kernel")
      .option("--force", "rest without coverage if none is available (operator token)"),
  ).action(async (kernelId: string, options: CommonOptions & { force?: boolean }) => {
    const reply = await apiRequest<{
      approved: boolean;
      reason: string;
      reason_code: string;
      covering_partner: string | null;
    }>(clientOf(options), "POST", `/api/rest/request/${encodeURIComponent(kernelId)}`, {
      force: options.force === true,
    });
    if (options.json) printJson(reply);
    else
      process.stdout.write(
        `${reply.approved ? "approved" : "refused"}: ${reply.reason} (${reply.reason_code})${reply.covering_partner ? `; covered by ${reply.covering_partner}` : ""}\n`,
      );
    if (!reply.approved) process.exitCode = EXIT_REFUSED;
  });

  withClientOptions(
    rest
      .command("quality")
      .description(
        "rest quality over finished rests: fatigue, Φ and κ at rest and after, per kernel and overall",
      )
      .option("--kernel <id>", "one kernel's"),
  ).action(async (options: CommonOptions & { kernel?: string }) => {
    const query = options.kernel ? `?${new URLSearchParams({ kernel_id: options.kernel })}` : "";
    const reply = await apiRequest<{
      quality: { overall: RestQualityRow | null; kernels: RestQualityRow[] };
    }>(clientOf(options), "GET", `/api/rest/quality${query}`);
    if (options.json) return printJson(reply);
    const { overall, kernels } = reply.quality;
    process.stdout.write(`${qualityTable(overall ? [...kernels, overall] : kernels)}\n`);
  });

  withClientOptions(
    rest.command("end").description("end a kernel's rest").argument("<kernel_id>", "the kernel"),
  ).action(async (kernelId: string, options: CommonOptions) => {
    const reply = await apiRequest<{ kernel: KernelStatus }>(
      clientOf(options),
      "POST",
      `/api/rest/end/${encodeURIComponent(kernelId)}`,
    );
    if (options.json) return printJson(reply);
    process.stdout.write(
      `${kernelId} is ${reply.kernel.status}; ${reply.kernel.rest_count} rests, ${fixed(reply.kernel.total_rest_time, 1)} s in all\n`,
    );
  });
  return { kernels };
}
