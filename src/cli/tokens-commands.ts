/**
 * `autonomic tokens issue|list|revoke`: kernel-scoped tokens (SPEC §6 "Access"), operator
 * actions. A token is shown once, when issued: the server keeps only its digest.
 */
import type { Command } from "commander";
import {
  type OperatorOptions,
  operatorClient,
  optionsOf,
  parentCommand,
  withActor,
} from "./healing-commands.js";
import { apiRequest } from "./http-client.js";
import { printJson, table } from "./output.js";

interface TokenView {
  token_id: string;
  kernel_id: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

const print = (lines: string[]) => process.stdout.write(`${lines.join("\n")}\n`);

export function registerTokensCommands(program: Command): void {
  const tokens = parentCommand(
    program
      .command("tokens")
      .description("kernel-scoped tokens: each lets one kernel id act for itself alone (operator token)"),
  );

  withActor(
    tokens
      .command("issue")
      .description("mint a token for one kernel id; it is shown once, store it now")
      .argument("<kernel_id>", "the kernel the token may act for"),
  ).action(async (kernelId: string, _options: unknown, command: Command) => {
    const options = optionsOf<OperatorOptions>(command);
    const reply = await apiRequest<{ token: string; access_token: TokenView }>(
      operatorClient(options),
      "POST",
      "/api/access/tokens",
      { kernel_id: kernelId },
    );
    if (options.json) return printJson(reply);
    print([
      `issued ${reply.access_token.token_id} for ${kernelId}; the token (shown only now):`,
      reply.token,
    ]);
  });

  tokens
    .command("list")
    .description("every token issued, revoked ones too, without secrets")
    .action(async (_options: unknown, command: Command) => {
      const options = optionsOf<OperatorOptions>(command);
      const reply = await apiRequest<{ count: number; tokens: TokenView[] }>(
        operatorClient(options),
        "GET",
        "/api/access/tokens",
      );
      if (options.json) return printJson(reply);
      print([
        table(
          ["token", "kernel", "issued", "by", "revoked", "by"],
          reply.tokens.map((t) => [
            t.token_id,
            t.kernel_id,
            t.created_at,
            t.created_by,
            t.revoked_at,
            t.revoked_by,
          ]),
        ),
      ]);
    });

  withActor(
    tokens
      .command("revoke")
      .description("revoke a token: its next request is refused (401)")
      .argument("<token_id>", "the token's id (tok_…), as `tokens list` shows it"),
  ).action(async (tokenId: string, _options: unknown, command: Command) => {
    const options = optionsOf<OperatorOptions>(command);
    const reply = await apiRequest<{ access_token: TokenView }>(
      operatorClient(options),
      "DELETE",
      `/api/access/tokens/${encodeURIComponent(tokenId)}`,
    );
    if (options.json) return printJson(reply);
    const t = reply.access_token;
    print([`revoked ${t.token_id} (${t.kernel_id}) at ${t.revoked_at} by ${t.revoked_by}`]);
  });
}
