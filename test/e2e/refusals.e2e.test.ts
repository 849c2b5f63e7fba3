/**
 * Refusals that say what is wrong, found by an access review of the live server: start-up
 * with one secret in two roles or on a database it cannot write; a lowercase `bearer`
 * scheme; an impossible date; the router's own 414 and bad-URL replies; a full disk.
 */
import { spawn } from "node:child_process";
import { chmodSync, chownSync } from "node:fs";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { startServer } from "../../src/server/serve.js";
import { openStore } from "../../src/store/open-store.js";
import {
  CLI_ARGS,
  cleanEnv,
  REPO_ROOT,
  runServeToExit,
  startServerProcess,
  stopAllServers,
} from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 60_000;
const KERNEL_TOKEN = "kernel-token-0123456789";
const OPERATOR_TOKEN = "operator-token-0123456789";

const stores = storeLocations("autonomic-refusals-e2e-");
afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

describe("start-up refusals", () => {
  it(
    "refuses the same token as kernel and operator token, naming both",
    async () => {
      const run = await runServeToExit(["--port", "0", "--db", await stores.fresh("sqlite")], {
        AUTONOMIC_KERNEL_TOKEN: OPERATOR_TOKEN,
        AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN,
      });
      expect(run.code).not.toBe(0);
      expect(run.code).not.toBeNull();
      for (const name of [
        "access.kernelToken",
        "access.operatorToken",
        "AUTONOMIC_KERNEL_TOKEN",
        "AUTONOMIC_OPERATOR_TOKEN",
      ])
        expect(run.stderr).toContain(name);
      expect(run.stderr).not.toContain(OPERATOR_TOKEN);
    },
    SLOW,
  );

  it(
    "refuses a database file it cannot write, naming the file",
    async () => {
      const db = await stores.fresh("sqlite");
      await (await openStore(db)).close();
      chmodSync(db, 0o444);
      // root writes any file whatever its mode: then the server runs as nobody, as a service would.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        chmodSync(stores.dir, 0o777);
        chownSync(db, 0, 0);
      }
      const child = spawn(process.execPath, [...CLI_ARGS, "serve", "--port", "0", "--db", db], {
        cwd: REPO_ROOT,
        env: cleanEnv({ HOME: stores.dir }),
        stdio: ["ignore", "pipe", "pipe"],
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      clearTimeout(timer);

      expect(code, stderr).not.toBe(0);
      expect(stderr).toContain(db);
      expect(stderr).toMatch(/readonly|read-only/);
    },
    SLOW,
  );
});

describe("replies to odd requests", () => {
  it(
    "takes the bearer scheme in any case, refuses a date that does not exist naming since, and answers 414 and bad URLs in the error shape",
    async () => {
      const server = await startServerProcess({
        db: await stores.fresh("sqlite"),
        env: { AUTONOMIC_KERNEL_TOKEN: KERNEL_TOKEN, AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN },
      });
      const register = await fetch(`${server.url}/api/rest/kernels`, {
        method: "POST",
        headers: { authorization: `bearer ${KERNEL_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ kernel_id: "apollo_1", kernel_name: "Apollo" }),
      });
      expect(register.status).toBe(201);

      const read = (path: string, method = "GET") =>
        fetch(`${server.url}${path}`, { method, headers: { authorization: `BEARER ${KERNEL_TOKEN}` } }).then(
          async (r) => ({ status: r.status, body: await r.json() }),
        );
      const since = await read("/api/self-healing/snapshots?since=2026-02-31");
      expect(since.status).toBe(400);
      expect(since.body).toMatchObject({ success: false, error: expect.stringMatching(/^since: /) });
      expect((await read("/api/self-healing/snapshots?since=2026-02-28")).status).toBe(200);

      const tooLong = await read(`/api/rest/end/${"a".repeat(2000)}`, "POST");
      expect(tooLong.status).toBe(414);
      expect(tooLong.body).toMatchObject({
        status: "error",
        code: "uri_too_long",
        error: expect.any(String),
      });
      const badUrl = await read("/api/self-healing/patches/%E0%A4%A/approve", "POST");
      expect(badUrl.status).toBe(400);
      expect(badUrl.body).toMatchObject({
        success: false,
        code: "bad_url",
        error: expect.stringMatching(/^url: /),
      });
      server.kill("SIGKILL");
    },
    SLOW,
  );

  it(
    "answers a full disk with a 503 that names it, not with a failed rollback",
    async () => {
      const config = buildConfig({
        server: { port: 0, logLevel: "silent" },
        store: { location: await stores.fresh("sqlite") },
      });
      const server = await startServer(config, { logger: pino({ level: "silent" }) });
      try {
        const post = (path: string, body: unknown) =>
          fetch(`${server.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
        expect(
          (await post("/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" })).status,
        ).toBe(201);
        // The file may not grow by one page more: the next writes find the disk full.
        // biome-ignore lint/suspicious/noExplicitAny: the store's own Kysely, to cap this database
        const db = (server.store as any).db;
        const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
        await sql.raw(`pragma max_page_count = ${rows[0]?.page_count}`).execute(db);

        let reply: Response | undefined;
        for (let i = 0; i < 500 && (reply === undefined || reply.status === 200); i++)
          reply = await post("/api/rest/fatigue/apollo_1", { phi: 0.7, kappa: 64.21 });

        expect(reply?.status).toBe(503);
        const body = (await reply?.json()) as { error: string };
        expect(body).toMatchObject({ status: "error", code: "store_unavailable" });
        expect(body.error).toMatch(/database or disk is full/);
        expect(body.error).not.toMatch(/cannot rollback/);
      } finally {
        await server.close().catch(() => undefined);
      }
    },
    SLOW,
  );
});
