/**
 * `autonomic demo` (what `npm start` runs): the server on the embedded SQLite store and a
 * simulated constellation living against it over HTTP, on a clock sped up `--speed`
 * times. It prints the dashboard's URL first (and with `--open` tries to show it in a
 * browser), then a live status table until Ctrl-C, which stops the kernels, sends what they
 * still hold and closes the server.
 *
 * The demo's clock runs ahead of wall time, so it records into its own database
 * (./autonomic-demo.db, started afresh each run) rather than the one `serve` uses.
 *
 * The terminal shows the table alone: the server's log lines go to ./autonomic-demo.log
 * (its path printed at the top) unless `--log-level` asks for them on the terminal. The faults
 * the demo injects are shown by name as they start and end, beside the alerts they cause.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import type { Command } from "commander";
import { pino } from "pino";
import { loadConfig } from "../config/load-config.js";
import { type AutonomicConfig, DEFAULT_CONFIG, type DeepPartial } from "../core/config.js";
import { defaultRegistryPath } from "../core/registry/default-registry.js";
import { requireRegistry } from "../core/registry/registry.js";
import { parseFaultSpec } from "../sim/faults.js";
import { type DemoEvent, type DemoStatus, formatElapsed, startLiveDemo } from "../sim/live-demo.js";
import { flagInteger, flagNumber } from "./flag-numbers.js";
import { CliError } from "./http-client.js";
import { table } from "./output.js";

export const DEMO_DB = "./autonomic-demo.db";
export const DEMO_LOG = "./autonomic-demo.log";
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"];

interface DemoFlags {
  port: string;
  db?: string;
  registry?: string;
  config?: string;
  speed: string;
  seed: string;
  kernels?: string;
  fault: string[];
  phase: string;
  randomFaults: string;
  json?: boolean;
  open?: boolean;
  logLevel?: string;
  logFile?: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("run the server with a simulated constellation driving it live over HTTP (npm start)")
    .option("--port <port>", "port (0 picks a free one)", "7070")
    .option("--db <file>", `SQLite file, recreated each run (default ${DEMO_DB})`)
    .option("--registry <file>", "pantheon registry YAML (default: the shipped one)")
    .option("--config <file>", "config file, YAML or JSON")
    .option("--speed <x>", "virtual seconds per wall second", "300")
    .option("--seed <s>", "random seed of the simulated kernels", "1")
    .option("--kernels <n>", "total kernels: the registry's gods first, then chaos workers")
    .option(
      "--fault <spec>",
      "inject a fault, NAME:type@TIME in demo time, e.g. Apollo:latency_regression@1h (repeatable)",
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option("--phase <p>", "self-healing phase 1–4 to run in (4: heals on its own)", "4")
    .option("--random-faults <n>", "random faults over the first 24 h of demo time", "12")
    .option("--json", "print one JSON status line per update instead of the table")
    .option(
      "--log-level <level>",
      `show the server's log lines on stderr from this level (${LOG_LEVELS.join(", ")})`,
    )
    .option(
      "--log-file <file>",
      `where the server's log lines go otherwise, recreated each run (default ${DEMO_LOG})`,
    )
    .option("--open", "open the dashboard in a browser, when there is one")
    .action(async (flags: DemoFlags) => {
      const speed = flagNumber(flags.speed, "--speed");
      if (!(speed > 0 && speed <= 10_000))
        throw new CliError(`--speed: must be in (0, 10000], got "${flags.speed}"`, 2);
      const db = flags.db ?? DEMO_DB;
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${db}${suffix}`, { force: true });
      const overrides: DeepPartial<AutonomicConfig> = {
        server: { port: /^\d+$/.test(flags.port) ? Number(flags.port) : (flags.port as never) },
        store: { location: db },
        // Auto-wake every 0.05 wall seconds: at 300× that is every 15 virtual seconds.
        scheduler: { tickSeconds: 0.05 },
        // The periodic runner counts wall seconds: the healing loop's 300 s are virtual here.
        healing: { loopIntervalSeconds: Math.max(0.05, DEFAULT_CONFIG.healing.loopIntervalSeconds / speed) },
      };
      if (flags.registry) overrides.registryPath = flags.registry;
      const config = loadConfig({ file: flags.config, env: process.env, flags: overrides });
      const registry = requireRegistry(config.registryPath ?? defaultRegistryPath());
      if (flags.logLevel !== undefined && !LOG_LEVELS.includes(flags.logLevel))
        throw new CliError(
          `--log-level: must be one of ${LOG_LEVELS.join(", ")}, got "${flags.logLevel}"`,
          2,
        );
      // Log lines between the table's lines would hide it: they go to a file, unless asked for
      // on the terminal (stderr). There, those of start-up (the demo's own forced phase
      // advances) are held until the dashboard's URL is out.
      const logFile = flags.logFile ?? DEMO_LOG;
      const stderr = heldUntilReleased(process.stderr);
      if (flags.logLevel === undefined) rmSync(logFile, { force: true });
      const fileLog = flags.logLevel === undefined ? pino.destination({ dest: logFile, sync: false }) : null;
      const logger = fileLog
        ? pino({ level: "info", base: { service: "autonomic" } }, fileLog)
        : pino({ level: flags.logLevel ?? "warn", base: { service: "autonomic" } }, stderr);
      const demo = await startLiveDemo({
        config,
        registry,
        speed,
        seed: flagInteger(flags.seed, "--seed"),
        kernels: flags.kernels === undefined ? undefined : flagInteger(flags.kernels, "--kernels", 1),
        faults: flags.fault.map(parseFaultSpec),
        randomFaults: flagInteger(flags.randomFaults, "--random-faults", 0),
        phase: demoPhase(flags.phase),
        logger,
      }).catch((err: unknown) => {
        // A failed start (a port in use) shows what was logged on the way.
        stderr.release();
        throw err;
      });
      const tty = process.stdout.isTTY === true && !flags.json;
      const dashboard = `${demo.server.url}/`;
      const logs = fileLog
        ? `logs: ${logFile} (--log-level info shows them here instead)`
        : `logs: here, from level ${flags.logLevel}`;
      if (flags.json) {
        // stdout stays one JSON object per line; each carries the url too.
        process.stderr.write(`Autonomic dashboard: ${dashboard}\n${logs}\n`);
      } else {
        process.stdout.write(
          `Autonomic dashboard: ${dashboard}\n` +
            `${logs}\n` +
            `demo: ${speed}× speed-up, database ${db}; the HTTP API is under ${demo.server.url}/api (reference: ${demo.server.url}/docs). Ctrl-C stops.\n`,
        );
      }
      stderr.release();
      if (flags.open) openInBrowser(dashboard);
      let drawnLines = 0;
      const printed = new WeakSet<DemoEvent>();
      const show = () => {
        const status = demo.status();
        if (flags.json) process.stdout.write(`${JSON.stringify(status)}\n`);
        else if (!tty) {
          // Without a terminal to redraw on, each fault and alert is a line of its own, once.
          for (const event of status.events.filter((e) => !printed.has(e))) {
            printed.add(event);
            process.stdout.write(`${eventLine(event)}\n`);
          }
          process.stdout.write(`${summaryLine(status)}\n`);
        } else {
          // Redraw in place: back up over the last table, clear to the end, draw anew.
          const text = render(status);
          process.stdout.write(`${drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[J` : ""}${text}\n`);
          drawnLines = text.split("\n").length;
        }
      };
      show();
      const timer = setInterval(show, flags.json ? 2000 : tty ? 1000 : 5000);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        clearInterval(timer);
        process.stderr.write(`${signal}: stopping the kernels and the server…\n`);
        await demo.stop();
        fileLog?.flushSync();
        process.stderr.write("stopped\n");
        process.exit(0);
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });
}

/** A log destination that keeps what is written until `release`, then writes straight through. */
function heldUntilReleased(out: NodeJS.WritableStream) {
  let held: string[] | null = [];
  return {
    write(line: string) {
      if (held) held.push(line);
      else out.write(line);
    },
    release() {
      const lines = held ?? [];
      held = null;
      for (const line of lines) out.write(line);
    },
  };
}

/**
 * Asks the desktop to show `url` (xdg-open, open, or start). Best effort: on a machine with no
 * browser or no desktop the opener is missing or fails, and the demo says so and runs on.
 */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", url]]
        : ["xdg-open", [url]];
  const cannot = (why: string) =>
    process.stderr.write(`--open: could not open a browser (${why}); open ${url} yourself\n`);
  try {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.once("error", (err) => cannot(err.message));
    child.once("exit", (code) => {
      if (code !== 0 && code !== null) cannot(`${command} exited ${code}`);
    });
    child.unref();
  } catch (err) {
    cannot(err instanceof Error ? err.message : String(err));
  }
}

/** The clock's pace, and when it waited for kernels that fell behind, how fast it really ran. */
function pace(s: DemoStatus): string {
  return s.effectiveSpeed < s.speed * 0.98
    ? `${s.speed}×, slowed to ${Math.round(s.effectiveSpeed)}× so far while the kernels caught up`
    : `${s.speed}×`;
}

const EVENT_LABEL: Record<DemoEvent["kind"], string> = {
  fault_started: "fault ",
  fault_ended: "ended ",
  alert: "alert ",
};

function eventLine(e: DemoEvent): string {
  return `+${formatElapsed(e.atSeconds)} ${EVENT_LABEL[e.kind]} ${e.text}`;
}

function render(s: DemoStatus): string {
  const c = s.constellation;
  const faults =
    s.activeFaults
      .map((f) => `${f.kernel_name} ${f.type} since +${formatElapsed(f.sinceSeconds)}`)
      .join(", ") || "none";
  const coverage = s.coverage.map((p) => `${p.coverer} covers ${p.covered}`).join(", ") || "none";
  const worst = s.worst
    ? `${s.worst.kernel_id} ${s.worst.status}${s.worst.issue ? `: ${s.worst.issue}` : ""}`
    : "all healthy";
  return [
    `virtual time +${formatElapsed(s.elapsedSeconds)} at ${pace(s)}   avg fatigue ${c.avg_fatigue.toFixed(2)}   report errors ${s.reportErrors}`,
    table(
      ["kernels", "active", "resting", "reduced", "micro_pause", "covering"],
      [
        [
          c.total_kernels,
          s.byStatus.active,
          s.byStatus.resting,
          s.byStatus.reduced,
          s.byStatus.micro_pause,
          c.covering_kernels,
        ],
      ],
    ),
    `coverage: ${coverage}`,
    `worst health: ${worst}`,
    `healing: phase ${s.healing.phase}, ${s.healing.open_patches} open patches; last: ${s.healing.last ?? "none yet"}`,
    `injected faults now: ${faults}`,
    "faults and alerts:",
    ...(s.events.length ? s.events.map((e) => `  ${eventLine(e)}`) : ["  none yet"]),
  ].join("\n");
}

function summaryLine(s: DemoStatus): string {
  const b = s.byStatus;
  return `+${formatElapsed(s.elapsedSeconds)} (${pace(s)}) kernels ${s.constellation.total_kernels}: active ${b.active}, resting ${b.resting}, reduced ${b.reduced}, micro_pause ${b.micro_pause}; covering ${s.constellation.covering_kernels}; worst ${s.worst ? `${s.worst.kernel_id} ${s.worst.status}` : "healthy"}`;
}

function demoPhase(text: string): number {
  const phase = flagInteger(text, "--phase", 1);
  if (phase > 4) throw new CliError(`--phase: must be 1, 2, 3 or 4, got "${text}"`, 2);
  return phase;
}
