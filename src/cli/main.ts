#!/usr/bin/env node
/**
 * The `autonomic` command. Each command lives in its own file and registers itself here.
 */
import { Command } from "commander";
import { registerCyclesCommands } from "./cycles-commands.js";
import { registerDemoCommand } from "./demo-command.js";
import { registerHealingCommands } from "./healing-commands.js";
import { registerHealthCommands } from "./health-commands.js";
import { CliError } from "./http-client.js";
import { registerImpactCommands } from "./impact-commands.js";
import { registerRegistryCommand } from "./registry-check.js";
import { registerRestCommands } from "./rest-commands.js";
import { registerRetireCommand } from "./retire-command.js";
import { registerServeCommand } from "./serve-command.js";
import { registerSimulateCommand } from "./simulate-command.js";
import { registerStatusCommand } from "./status-command.js";
import { registerTokensCommands } from "./tokens-commands.js";

const program = new Command()
  .name("autonomic")
  .description("Control plane for an agent constellation: rest, health monitoring and self-healing")
  .version("0.1.0")
  .showHelpAfterError();

registerServeCommand(program);
registerDemoCommand(program);
registerSimulateCommand(program);
registerStatusCommand(program);
registerHealthCommands(program);
registerRetireCommand(registerRestCommands(program).kernels);
registerHealingCommands(program);
registerCyclesCommands(program);
registerImpactCommands(program);
registerTokensCommands(program);
registerRegistryCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof CliError ? err.exitCode : 1;
});
