/**
 * `autonomic kernels retire <kernel_id>`: retire a kernel for good (SPEC §6). The server
 * wakes it if it rests and hands what it covers to another partner (or ends that rest) in one
 * transaction; this prints where the coverage went. An essential kernel needs --force and
 * --reason (an operator token): refused without force, it exits 3 like a refused rest.
 */
import type { Command } from "commander";
import type { RetirementHandoff } from "../core/rest/events.js";
import { type OperatorOptions, operatorClient, optionsOf, refusable, withActor } from "./healing-commands.js";
import { apiRequest } from "./http-client.js";
import { printJson } from "./output.js";
import { EXIT_REFUSED } from "./rest-commands.js";

interface RetireReply {
  retired: { kernel_id: string; kernel_name: string; woken_from: string | null; forced: boolean };
  handoffs: RetirementHandoff[];
}

/** What became of the retired kernel, one line each. */
function retirementLines(reply: RetireReply): string[] {
  const r = reply.retired;
  const lines = [`retired ${r.kernel_id} (${r.kernel_name})${r.forced ? ", forced" : ""}`];
  if (r.woken_from !== null) lines.push(`  woken from ${r.woken_from} first; that rest is recorded`);
  for (const h of reply.handoffs)
    lines.push(
      h.handed_to !== null
        ? `  coverage of ${h.covered} handed to ${h.handed_to}; ${h.covered} keeps resting`
        : `  no other partner could cover ${h.covered}: its rest was ended`,
    );
  return lines;
}

/** Adds `retire` under `kernels`, whose client options (--url, --token, --json) it reads. */
export function registerRetireCommand(kernels: Command): void {
  withActor(
    kernels
      .command("retire")
      .description(
        `retire a kernel: wake it, hand its coverage on (or end that rest), keep its history; exits ${EXIT_REFUSED} when refused`,
      )
      .argument("<kernel_id>", "the kernel")
      .option("--force", "retire an essential kernel (operator token; needs --reason)")
      .option("--reason <text>", "why, recorded with the retirement (required with --force)"),
  ).action(async (kernelId: string, _options: unknown, command: Command) => {
    const options = optionsOf<OperatorOptions & { force?: boolean; reason?: string }>(command);
    const query = new URLSearchParams();
    if (options.force) query.set("force", "true");
    if (options.reason !== undefined) query.set("reason", options.reason);
    const search = query.size > 0 ? `?${query}` : "";
    const reply = await refusable(options.json, () =>
      apiRequest<RetireReply>(
        operatorClient(options),
        "DELETE",
        `/api/rest/kernels/${encodeURIComponent(kernelId)}${search}`,
      ),
    );
    if (reply === null) return;
    if (options.json) return printJson(reply);
    process.stdout.write(`${retirementLines(reply).join("\n")}\n`);
  });
}
