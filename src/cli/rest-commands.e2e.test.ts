/**
 * `autonomic status|kernels|kernels retire|rest request|rest end` as a user runs them, against a real
 * server: machine output that parses, exit codes that scripts can branch on (3 for a
 * refused rest, 1 for errors), and errors that say what went wrong.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  runCli,
  type ServerProcess,
  startServerProcess,
  stopAllServers,
} from "../../test/support/server-process.js";
import { EXIT_REFUSED } from "./rest-commands.js";

const SLOW = 60_000;
const dir = mkdtempSync(join(tmpdir(), "autonomic-cli-"));
let server: ServerProcess;

async function post(path: string, body: unknown): Promise<number> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

/** Runs `autonomic ...args --url <server>`. */
const cli = (...args: string[]) => runCli([...args, "--url", server.url]);

function parseJson(stdout: string): Record<string, unknown> {
  try {
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(`not JSON: ${stdout}`, { cause: error });
  }
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return address.port;
}

beforeAll(async () => {
  server = await startServerProcess({ db: join(dir, "cli.db") });
  expect(await post("/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" })).toBe(201);
  expect(await post("/api/rest/kernels", { kernel_id: "athena_1", kernel_name: "Athena" })).toBe(201);
  // Tired enough (≈ 0.51 > 0.45) that a rest is due.
  expect(await post("/api/rest/fatigue/apollo_1", { phi: 0.1, kappa: 10, load: 0.9, error_rate: 0.5 })).toBe(
    200,
  );
}, SLOW);

afterAll(async () => {
  await stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

describe("autonomic rest commands against a running server", () => {
  it(
    "prints kernels as JSON with --json, and as a table without",
    async () => {
      const json = await cli("kernels", "--json");
      expect(json.code, json.stderr).toBe(0);
      const reply = parseJson(json.stdout);
      expect(reply).toMatchObject({ status: "ok", count: 2 });
      expect((reply.kernels as { kernel_id: string }[]).map((k) => k.kernel_id).sort()).toEqual([
        "apollo_1",
        "athena_1",
      ]);

      const plain = await cli("kernels");
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout).toMatch(/^kernel\s+name\s+tier/m);
      expect(plain.stdout).toMatch(/^apollo_1\s+Apollo\s+specialized\s+coordinated_alternating\s+active/m);
    },
    SLOW,
  );

  it(
    "prints the constellation and every kernel with status --json",
    async () => {
      const run = await cli("status", "--json");
      expect(run.code, run.stderr).toBe(0);
      const reply = parseJson(run.stdout);
      expect(reply.constellation).toMatchObject({ total_kernels: 2 });
      expect(reply.kernels).toHaveLength(2);
    },
    SLOW,
  );

  it(
    "grants a rest with rest request, refuses the partner's with exit 3 and the reason, then ends it",
    async () => {
      const granted = await cli("rest", "request", "apollo_1", "--json");
      expect(granted.code, granted.stderr).toBe(0);
      expect(parseJson(granted.stdout)).toMatchObject({ approved: true, covering_partner: "athena_1" });

      const refused = await cli("rest", "request", "athena_1");
      expect(refused.code).toBe(EXIT_REFUSED);
      expect(EXIT_REFUSED).toBe(3);
      expect(refused.stdout).toContain("refused");
      expect(refused.stdout).toContain("Alternating partner Apollo is resting");
      expect(refused.stdout).toContain("partner_resting");

      const refusedJson = await cli("rest", "request", "athena_1", "--json");
      expect(refusedJson.code).toBe(3);
      expect(parseJson(refusedJson.stdout)).toMatchObject({
        approved: false,
        reason_code: "partner_resting",
      });

      const status = parseJson((await cli("status", "--json")).stdout);
      expect(status.constellation).toMatchObject({ resting_kernels: 1, covering_kernels: 1 });

      const ended = await cli("rest", "end", "apollo_1", "--json");
      expect(ended.code, ended.stderr).toBe(0);
      expect(parseJson(ended.stdout)).toMatchObject({
        kernel: { kernel_id: "apollo_1", status: "active", rest_count: 1 },
      });

      const again = await cli("rest", "end", "apollo_1");
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("409");
    },
    SLOW,
  );

  it(
    "exits 1 with the 404 for an unknown kernel",
    async () => {
      for (const args of [
        ["rest", "request", "ghost_1"],
        ["rest", "end", "ghost_1"],
      ]) {
        const run = await cli(...args);
        expect(run.code, args.join(" ")).toBe(1);
        expect(run.stderr).toContain("404");
        expect(run.stderr).toContain("ghost_1");
      }
    },
    SLOW,
  );

  it(
    "exits 1 saying it cannot reach a server on a closed port",
    async () => {
      const port = await closedPort();
      const commands = [["status"], ["kernels", "--json"], ["rest", "request", "apollo_1"]];
      const runs = await Promise.all(
        commands.map((args) => runCli([...args, "--url", `http://127.0.0.1:${port}`])),
      );
      commands.forEach((args, i) => {
        const run = runs[i] as (typeof runs)[number];
        expect(run.code, args.join(" ")).toBe(1);
        expect(run.stderr).toContain("cannot reach");
        expect(run.stdout).toBe("");
      });
    },
    SLOW,
  );

  it(
    "shows help for each command",
    async () => {
      const commands = [["status"], ["kernels"], ["rest", "request"], ["rest", "end"]];
      const runs = await Promise.all(commands.map((args) => runCli([...args, "--help"])));
      commands.forEach((args, i) => {
        const run = runs[i] as (typeof runs)[number];
        expect(run.code, args.join(" ")).toBe(0);
        expect(run.stdout).toContain(`Usage: autonomic ${args.join(" ")}`);
        expect(run.stdout).toContain("--url");
        expect(run.stdout).toContain("--json");
      });
      const request = runs[2]?.stdout;
      expect(request).toContain("--force");
      expect(request).toContain("<kernel_id>");
    },
    SLOW,
  );

  it(
    "retires a kernel with kernels retire, saying where its coverage went; an essential one needs --force and --reason",
    async () => {
      expect(await post("/api/rest/kernels", { kernel_id: "hermes_1", kernel_name: "Hermes" })).toBe(201);
      expect(await post("/api/rest/kernels", { kernel_id: "heart_1", kernel_name: "Heart" })).toBe(201);
      const granted = parseJson((await cli("rest", "request", "apollo_1", "--json")).stdout);
      expect(granted).toMatchObject({ approved: true, covering_partner: "athena_1" });

      const retired = await cli("kernels", "retire", "athena_1", "--json", "--reason", "replaced");
      expect(retired.code, retired.stderr).toBe(0);
      expect(parseJson(retired.stdout)).toMatchObject({
        retired: { kernel_id: "athena_1", reason: "replaced" },
        handoffs: [{ covered: "apollo_1", handed_to: "hermes_1", outcome: "handed_off" }],
      });

      const refused = await cli("kernels", "retire", "heart_1");
      expect(refused.code).toBe(EXIT_REFUSED);
      expect(refused.stdout).toContain("refused");
      expect(refused.stdout).toContain("force=true and a reason");
      const noReason = await cli("kernels", "retire", "heart_1", "--force");
      expect(noReason.code).toBe(1);
      expect(noReason.stderr).toMatch(/400.*\breason\b/);

      // Client options before the subcommand's name work as well as after it.
      const forced = await runCli([
        ...["kernels", "--url", server.url, "retire", "heart_1"],
        ...["--force", "--reason", "decommissioned", "--actor", "ops"],
      ]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toContain("retired heart_1 (Heart), forced");
      const unknown = await cli("kernels", "retire", "ghost_1");
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain("404");

      const left = parseJson((await cli("kernels", "--json")).stdout);
      expect((left.kernels as { kernel_id: string }[]).map((k) => k.kernel_id).sort()).toEqual([
        "apollo_1",
        "hermes_1",
      ]);
      const help = await runCli(["kernels", "retire", "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Usage: autonomic kernels retire");
      for (const option of ["--force", "--reason", "--actor", "--url", "--json", "<kernel_id>"])
        expect(help.stdout).toContain(option);
    },
    SLOW,
  );
});
