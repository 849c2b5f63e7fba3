#!/usr/bin/env node
/**
 * The `autonomic` command. Each command lives in its own file and registers itself here.
 */
import { Command } from "commander";
import { registerRegistryCommand } from "./registry-check.js";

const program = new Command()
  .name("autonomic")
  .description("Control plane for an agent constellation: rest, health monitoring and self-healing")
  .version("0.1.0")
  .showHelpAfterError();

registerRegistryCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
