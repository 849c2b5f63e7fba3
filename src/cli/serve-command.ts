/**
 * `autonomic serve`: run the control plane until SIGTERM or SIGINT, then finish in-flight
 * requests and close the database.
 */
import type { Command } from "commander";
import { loadConfig } from "../config/load-config.js";
import type { AutonomicConfig, DeepPartial } from "../core/config.js";
import { startServer } from "../server/serve.js";

interface ServeOptions {
  host?: string;
  port?: string;
  db?: string;
  registry?: string;
  config?: string;
  logLevel?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the control plane (SQLite ./autonomic.db and the shipped registry by default)")
    .option("--host <host>", "address to bind (default 127.0.0.1; any other needs tokens)")
    .option("--port <port>", "port (default 7070; 0 picks a free one)")
    .option("--db <location>", "SQLite file or postgres:// URL (default ./autonomic.db, or $DATABASE_URL)")
    .option("--registry <file>", "pantheon registry YAML (default: the shipped one)")
    .option("--config <file>", "config file, YAML or JSON")
    .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent")
    .action(async (options: ServeOptions) => {
      const flags: DeepPartial<AutonomicConfig> = { server: {}, store: {} };
      if (options.host) flags.server = { ...flags.server, host: options.host };
      if (options.port !== undefined)
        flags.server = {
          ...flags.server,
          port: /^\d+$/.test(options.port) ? Number(options.port) : (options.port as never),
        };
      if (options.logLevel) flags.server = { ...flags.server, logLevel: options.logLevel as never };
      if (options.db) flags.store = { location: options.db };
      if (options.registry) flags.registryPath = options.registry;
      const config = loadConfig({ file: options.config, env: process.env, flags });
      const server = await startServer(config);
      let closing = false;
      const shutdown = (signal: string) => {
        if (closing) return;
        closing = true;
        server.logger.info({ signal }, "shutting down");
        const force = setTimeout(() => {
          server.logger.error("shutdown grace period over; exiting");
          process.exit(1);
        }, config.server.shutdownGraceSeconds * 1000);
        force.unref();
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            server.logger.error({ err }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });
}
