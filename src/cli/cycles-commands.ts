/**
 * `autonomic cycles [vote|end]`: constellation cycles of a running server. `cycles` shows the
 * active cycle, Heart's and Ocean's live cast votes, the last decision with both votes and
 * their reasons, cooldowns and the recent record; `vote` casts a vote as Heart or Ocean and
 * `end` ends the running cycle (both operator actions). Ending when none runs is a refusal:
 * exit 3, like a refused rest.
 */
import type { Command } from "commander";
import type { ConstellationMetrics } from "../core/cycles/constellation-metrics.js";
import type { CycleVotes } from "../core/cycles/cycle-decider.js";
import { fmt } from "../core/health/issues.js";
import { type CommonOptions, clientOf } from "./client-options.js";
import {
  type OperatorOptions,
  operatorClient,
  optionsOf,
  parentCommand,
  refusable,
  withActor,
} from "./healing-commands.js";
import { apiRequest, CliError } from "./http-client.js";
import { printJson, table } from "./output.js";
import { EXIT_REFUSED } from "./rest-commands.js";

interface CyclesView {
  active: { cycle_type: string; started_at: string; planned_until: string; kernels: string[] } | null;
  votes: {
    voter: string;
    cycle_type: string;
    vote: boolean;
    reasoning: string;
    at: string;
    expires_at: string;
  }[];
  last_decision: {
    at: string;
    cycle_type: string | null;
    started: boolean;
    reason: string;
    votes: CycleVotes;
  } | null;
  cooldowns: Record<
    string,
    { cooldown_seconds: number; remaining_seconds: number; last_ended_at: string | null }
  >;
  metrics: ConstellationMetrics;
  cycles: {
    id: number;
    kind: string;
    cycle_type: string;
    started_at: string;
    ended_at: string | null;
    reason: string;
  }[];
}

const print = (lines: string[]) => process.stdout.write(`${lines.join("\n")}\n`);
const value = (v: number | null) => (v === null ? "no data" : fmt(v));

function metricsLine(m: ConstellationMetrics): string {
  return [
    `coherence ${value(m.coherence)}`,
    `spread ${value(m.spread)}`,
    `average fatigue ${value(m.average_fatigue)}`,
    `mean drift ${value(m.mean_drift)}`,
    `stuck ${value(m.stuck_fraction)}`,
    `rigidity ${value(m.rigidity)}`,
  ].join(", ");
}

export function cyclesLines(v: CyclesView): string[] {
  const lines = [
    v.active
      ? `active: ${v.active.cycle_type.toUpperCase()} since ${v.active.started_at}, ends by ${v.active.planned_until} at the latest; ${v.active.kernels.length} kernel(s) resting in it`
      : "active: none",
    `metrics over ${v.metrics.kernels} kernel(s): ${metricsLine(v.metrics)}`,
  ];
  const d = v.last_decision;
  if (d) {
    lines.push(
      "",
      `last decision (${d.at}): ${d.reason}`,
      `  Heart (${d.votes.heart.source}): ${d.votes.heart.reasoning}`,
      `  Ocean (${d.votes.ocean.source}): ${d.votes.ocean.reasoning}`,
    );
  }
  lines.push(
    "",
    v.votes.length === 0
      ? "live cast votes: none (telemetry votes for both)"
      : table(
          ["voter", "type", "vote", "cast", "expires", "reasoning"],
          v.votes.map((x) => [x.voter, x.cycle_type, x.vote ? "yes" : "no", x.at, x.expires_at, x.reasoning]),
        ),
    "",
    table(
      ["type", "cooldown s", "remaining s", "last ended"],
      Object.entries(v.cooldowns).map(([type, c]) => [
        type,
        c.cooldown_seconds,
        fmt(c.remaining_seconds),
        c.last_ended_at,
      ]),
    ),
  );
  if (v.cycles.length > 0)
    lines.push(
      "",
      table(
        ["started", "kind", "type", "ended", "reason"],
        v.cycles.map((r) => [r.started_at, r.kind, r.cycle_type, r.ended_at, r.reason]),
      ),
    );
  return lines;
}

export function registerCyclesCommands(program: Command): void {
  const cycles = parentCommand(
    program
      .command("cycles")
      .description(
        "constellation cycles: the active one, live votes, the last decision, cooldowns and the recent record",
      )
      .option("--kind <kind>", "only records of this kind: decision, vote or cycle")
      .option("--limit <n>", "at most this many records (1–1000)", "20"),
  ).action(async (options: CommonOptions & { kind?: string; limit: string }) => {
    const params = new URLSearchParams({ limit: options.limit });
    if (options.kind) params.set("kind", options.kind);
    const reply = await apiRequest<CyclesView>(clientOf(options), "GET", `/api/rest/cycles?${params}`);
    if (options.json) return printJson(reply);
    print(cyclesLines(reply));
  });

  withActor(
    cycles
      .command("vote")
      .description(
        "cast Heart's or Ocean's vote on a cycle type (operator token); it overrides telemetry for a while",
      )
      .requiredOption("--voter <name>", "Heart or Ocean")
      .requiredOption("--type <cycle_type>", "sleep, dream or mushroom")
      .option("--yes", "vote for the cycle")
      .option("--no", "vote against it")
      .requiredOption("--reason <text>", "why, recorded with the vote"),
  ).action(async (_options: unknown, command: Command) => {
    const options = optionsOf<
      OperatorOptions & { voter: string; type: string; yes?: boolean; no?: boolean; reason: string }
    >(command);
    if (options.yes === options.no) throw new CliError("give one of --yes or --no");
    const vote = options.yes === true;
    const reply = await apiRequest<{ vote: CyclesView["votes"][number] }>(
      operatorClient(options),
      "POST",
      "/api/rest/cycles/vote",
      { voter: options.voter, cycle_type: options.type, vote, reasoning: options.reason },
    );
    if (options.json) return printJson(reply);
    const v = reply.vote;
    print([
      `${v.voter} votes ${v.vote ? "yes" : "no"} on ${v.cycle_type.toUpperCase()} until ${v.expires_at}: ${v.reasoning}`,
    ]);
  });

  withActor(
    cycles
      .command("end")
      .description(
        `end the running cycle now and wake its kernels (operator token); exits ${EXIT_REFUSED} when none runs`,
      )
      .option("--reason <text>", "why, recorded as the cycle's end"),
  ).action(async (_options: unknown, command: Command) => {
    const options = optionsOf<OperatorOptions & { reason?: string }>(command);
    const reply = await refusable(options.json, () =>
      apiRequest<{
        ended: { cycle_type: string; reason: string; duration_seconds: number; woken: string[] };
      }>(
        operatorClient(options),
        "POST",
        "/api/rest/cycles/end",
        options.reason ? { reason: options.reason } : {},
      ),
    );
    if (reply === null) return;
    if (options.json) return printJson(reply);
    const e = reply.ended;
    print([`${e.reason}; it ran ${fmt(e.duration_seconds)} s and woke ${e.woken.length} kernel(s)`]);
  });
}
