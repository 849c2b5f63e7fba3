/**
 * `autonomic heal`, `patches [show|approve|reject]`, `phase [advance]` and `alerts`: the
 * self-healing loop, human review and phase gates of a running server. A patch's step-by-step
 * record is printed from the `record` the API returns, so both render it the same way.
 * Refusals (a patch not waiting for review, an unmet gate) exit 3, like a refused rest.
 */
import type { Command } from "commander";
import type { Patch } from "../core/healing/patch.js";
import { type PatchRecord, patchRecordLines } from "../core/healing/patch-record.js";
import { type GateCriterion, gateValueText } from "../core/healing/phases.js";
import { fmt } from "../core/health/issues.js";
import type { HealPassReport } from "../services/healing-service.js";
import type { StoredAlert } from "../store/healing-store-types.js";
import { type CommonOptions, clientOf, withClientOptions } from "./client-options.js";
import { apiRequest, HttpReplyError } from "./http-client.js";
import { printJson, table } from "./output.js";
import { EXIT_REFUSED } from "./rest-commands.js";

type WirePatch = Patch & { record: PatchRecord };

interface PhaseView {
  phase: number;
  name: string;
  next: number | null;
  next_name: string | null;
  met: boolean;
  criteria: GateCriterion[];
  allowed: string[];
  running: boolean;
  history: {
    from_phase: number;
    to_phase: number;
    at: string;
    actor: string;
    forced: boolean;
    reason: string | null;
  }[];
}

export interface OperatorOptions extends CommonOptions {
  actor?: string;
}

/** An operator's name, sent as X-Autonomic-Actor and recorded on every move. */
export function withActor(command: Command): Command {
  return command.option(
    "--actor <name>",
    'who is acting, recorded on every move (default: $AUTONOMIC_ACTOR, else the server\'s "operator")',
    process.env.AUTONOMIC_ACTOR,
  );
}

/**
 * A command with subcommands (`patches approve`, `phase advance`) holds the client options;
 * its subcommands read them with their own through optsWithGlobals, so `--url` works on
 * either side of the subcommand's name, and their help lists them.
 */
export function parentCommand(command: Command): Command {
  return withClientOptions(command).configureHelp({ showGlobalOptions: true });
}

export function optionsOf<T>(command: Command): T {
  return command.optsWithGlobals() as T;
}

export const operatorClient = (options: OperatorOptions) => ({ ...clientOf(options), actor: options.actor });

const print = (lines: string[]) => process.stdout.write(`${lines.join("\n")}\n`);

/** Runs a request whose 409 is a refusal: printed with its reason, exit 3. */
export async function refusable<T>(json: boolean | undefined, send: () => Promise<T>): Promise<T | null> {
  try {
    return await send();
  } catch (err) {
    if (!(err instanceof HttpReplyError) || err.status !== 409) throw err;
    if (json) printJson(err.reply);
    else print([`refused: ${String(err.reply.error ?? err.message)}`, ...unmetLines(err.reply.unmet)]);
    process.exitCode = EXIT_REFUSED;
    return null;
  }
}

function unmetLines(unmet: unknown): string[] {
  if (!Array.isArray(unmet) || unmet.length === 0) return [];
  return ["", "unmet criteria:", criteriaTable(unmet as GateCriterion[])];
}

function criteriaTable(criteria: GateCriterion[]): string {
  return table(
    ["criterion", "value", "target", "met", "description"],
    criteria.map((c) => [
      c.name,
      gateValueText(c.value, c.target),
      c.target,
      c.met ? "yes" : "no",
      c.description,
    ]),
  );
}

/** Every patch with its sandbox score and that score's terms, whichever formula made it. */
function patchesTable(patches: WirePatch[]): string {
  const terms = (p: WirePatch) => p.record.sandbox?.terms.map((t) => `${t.name} ${fmt(t.value)}`).join(", ");
  return table(
    [
      "patch",
      "kernel",
      "strategy",
      "action",
      "state",
      "fitness",
      "recommendation",
      "target",
      "terms",
      "created",
    ],
    patches.map((p) => [
      p.patch_id,
      p.kernel_id,
      p.strategy,
      p.record.action,
      p.state,
      p.record.sandbox ? fmt(p.record.sandbox.score) : null,
      p.record.sandbox?.recommendation,
      p.record.sandbox?.target,
      terms(p),
      new Date(p.created_at).toISOString(),
    ]),
  );
}

function phaseLines(p: PhaseView): string[] {
  const next = p.next === null ? "the last phase" : `next ${p.next} (${p.next_name})`;
  const lines = [
    `phase ${p.phase} (${p.name}); ${next}: gate ${p.met ? "met" : "unmet"}`,
    `allowed: ${p.allowed.join(", ")}; healing loop ${p.running ? "running" : "stopped"}`,
    "",
    criteriaTable(p.criteria),
  ];
  if (p.history.length > 0) {
    lines.push("", "history:");
    for (const h of p.history)
      lines.push(
        `  ${h.at}  ${h.from_phase} → ${h.to_phase} by ${h.actor}${h.forced ? " (forced)" : ""}: ${h.reason ?? "gate met"}`,
      );
  }
  return lines;
}

export function registerHealingCommands(program: Command): void {
  withActor(
    withClientOptions(
      program.command("heal").description("run one healing pass now and show what it started or skipped"),
    ),
  ).action(async (options: OperatorOptions) => {
    const { heal } = await apiRequest<{ heal: HealPassReport }>(
      operatorClient(options),
      "POST",
      "/api/self-healing/heal",
    );
    if (options.json) return printJson(heal);
    const lines = [
      `pass at ${heal.at}, phase ${heal.phase}: ${heal.examined} degraded kernel(s) examined`,
      `started: ${heal.patches_started.length === 0 ? "none" : heal.patches_started.join(", ")}`,
    ];
    if (heal.skipped.length > 0)
      lines.push(
        "",
        table(
          ["skipped kernel", "reason code", "reason"],
          heal.skipped.map((s) => [s.kernel_id, s.reason_code, s.reason]),
        ),
      );
    print(lines);
  });

  const patches = parentCommand(
    program
      .command("patches")
      .description("list patches newest first, each with its sandbox fitness term by term")
      .option("--kernel <id>", "one kernel's patches")
      .option("--state <states>", "only these states, comma-separated (e.g. pending_review)")
      .option("--limit <n>", "at most this many (1–1000)", "50"),
  ).action(async (options: CommonOptions & { kernel?: string; state?: string; limit: string }) => {
    const params = new URLSearchParams({ limit: options.limit });
    if (options.kernel) params.set("kernel_id", options.kernel);
    if (options.state) params.set("state", options.state);
    const reply = await apiRequest<{ patches: WirePatch[] }>(
      clientOf(options),
      "GET",
      `/api/self-healing/patches?${params}`,
    );
    if (options.json) return printJson(reply);
    const pending = reply.patches.filter((p) => p.state === "pending_review").length;
    const lines = [patchesTable(reply.patches)];
    if (pending > 0)
      lines.push("", `${pending} waiting for review: autonomic patches show|approve|reject <patch>`);
    print(lines);
  });

  patches
    .command("show")
    .description("a patch's step-by-step record")
    .argument("<patch_id>", "the patch")
    .action(async (patchId: string, _options: unknown, command: Command) => {
      const options = optionsOf<CommonOptions>(command);
      const reply = await apiRequest<{ patch: WirePatch }>(
        clientOf(options),
        "GET",
        `/api/self-healing/patches/${encodeURIComponent(patchId)}`,
      );
      if (options.json) return printJson(reply);
      print(patchRecordLines(reply.patch.record));
    });

  withActor(
    patches
      .command("approve")
      .description(`approve a patch waiting for review (phase 3+); exits ${EXIT_REFUSED} when refused`)
      .argument("<patch_id>", "the patch")
      .option("--reason <text>", "why, recorded on the patch"),
  ).action(async (patchId: string, _options: unknown, command: Command) => {
    const options = optionsOf<OperatorOptions & { reason?: string }>(command);
    const reply = await refusable(options.json, () =>
      apiRequest<{ patch: WirePatch }>(
        operatorClient(options),
        "POST",
        `/api/self-healing/patches/${encodeURIComponent(patchId)}/approve`,
        options.reason ? { reason: options.reason } : {},
      ),
    );
    if (reply === null) return;
    if (options.json) return printJson(reply);
    print([
      `approved: ${reply.patch.record.action} sent to ${reply.patch.kernel_id}; it is applied once the kernel answers`,
      ...patchRecordLines(reply.patch.record),
    ]);
  });

  withActor(
    patches
      .command("reject")
      .description(`reject a patch waiting for review; exits ${EXIT_REFUSED} when refused`)
      .argument("<patch_id>", "the patch")
      .option("--reason <text>", "why, recorded on the patch")
      .option("--not-needed", "the patch was not needed: count it as a false positive"),
  ).action(async (patchId: string, _options: unknown, command: Command) => {
    const options = optionsOf<OperatorOptions & { reason?: string; notNeeded?: boolean }>(command);
    const body: Record<string, unknown> = {};
    if (options.reason) body.reason = options.reason;
    if (options.notNeeded) body.not_needed = true;
    const reply = await refusable(options.json, () =>
      apiRequest<{ patch: WirePatch }>(
        operatorClient(options),
        "POST",
        `/api/self-healing/patches/${encodeURIComponent(patchId)}/reject`,
        body,
      ),
    );
    if (reply === null) return;
    if (options.json) return printJson(reply);
    print(patchRecordLines(reply.patch.record));
  });

  const phase = parentCommand(
    program
      .command("phase")
      .description(
        "the healing phase and its gate: every criterion with its value, target and whether it is met",
      ),
  ).action(async (options: CommonOptions) => {
    const reply = await apiRequest<{ phase: PhaseView }>(clientOf(options), "GET", "/api/self-healing/phase");
    if (options.json) return printJson(reply);
    print(phaseLines(reply.phase));
  });

  withActor(
    phase
      .command("advance")
      .description(
        `advance to the next phase; exits ${EXIT_REFUSED} with the unmet criteria when the gate refuses`,
      )
      .option("--force", "advance although the gate is unmet (needs --reason)")
      .option("--reason <text>", "why, recorded in the phase history"),
  ).action(async (_options: unknown, command: Command) => {
    const options = optionsOf<OperatorOptions & { force?: boolean; reason?: string }>(command);
    const body: Record<string, unknown> = {};
    if (options.force) body.force = true;
    if (options.reason) body.reason = options.reason;
    const reply = await refusable(options.json, () =>
      apiRequest<{
        change: {
          from: number;
          to: number;
          from_name: string;
          to_name: string;
          forced: boolean;
          reason: string;
          unmet: string[];
        };
        phase: PhaseView;
      }>(operatorClient(options), "POST", "/api/self-healing/phase/advance", body),
    );
    if (reply === null) return;
    if (options.json) return printJson(reply);
    const c = reply.change;
    const forced = c.forced ? ` (forced over ${c.unmet.join(", ")})` : "";
    print([`advanced: ${c.from} (${c.from_name}) → ${c.to} (${c.to_name})${forced}: ${c.reason}`]);
  });

  withClientOptions(
    program
      .command("alerts")
      .description("alerts newest first, with their webhook delivery")
      .option("--limit <n>", "at most this many (1–1000)", "50"),
  ).action(async (options: CommonOptions & { limit: string }) => {
    const reply = await apiRequest<{ alerts: StoredAlert[] }>(
      clientOf(options),
      "GET",
      `/api/self-healing/alerts?${new URLSearchParams({ limit: options.limit })}`,
    );
    if (options.json) return printJson(reply);
    print([
      table(
        ["time", "severity", "kind", "kernel", "delivery", "seen", "text"],
        reply.alerts.map((a) => [
          new Date(a.created_at).toISOString(),
          a.severity,
          a.kind,
          a.kernel_id,
          a.delivery_status,
          a.occurrences,
          a.text,
        ]),
      ),
    ]);
  });
}
