/**
 * Options every client command shares: --url, --token and --json.
 */
import type { Command } from "commander";
import type { ClientOptions } from "./http-client.js";

export interface CommonOptions {
  url: string;
  token?: string;
  json?: boolean;
}

export function withClientOptions(command: Command): Command {
  return command
    .option("--url <url>", "the Autonomic server", process.env.AUTONOMIC_URL ?? "http://127.0.0.1:7070")
    .option("--token <token>", "bearer token (default: $AUTONOMIC_TOKEN)", process.env.AUTONOMIC_TOKEN)
    .option("--json", "print JSON");
}

export function clientOf(options: CommonOptions): ClientOptions {
  return { url: options.url, token: options.token };
}
