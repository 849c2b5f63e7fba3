/**
 * The attacks an access review of the live server made as an attacker on loopback, replayed
 * against the real server process (`autonomic serve`): a web page driving a tokenless
 * loopback server (a cross-site POST, DNS rebinding), and one kernel's token acting for
 * another. Each must be refused and change nothing; then kernel-scoped tokens through the
 * CLI, as an operator issues, lists and revokes them.
 */
import { request as httpRequest } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { healingHttp } from "../support/healing-http.js";
import { runCli, type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 90_000;
const KERNEL_TOKEN = "kernel-token-0123456789";
const OPERATOR_TOKEN = "operator-token-0123456789";
const TIRED = { phi: 0.1, kappa: 10, load: 0.9, error_rate: 0.5 };

const stores = storeLocations("autonomic-access-e2e-");
afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

interface RawReply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  body: any;
}

/** A request with headers fetch will not let a caller set (Host), as a browser would send them. */
function raw(
  server: ServerProcess,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<RawReply> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // shown as text by the assertion
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("a web page against a loopback server without tokens", () => {
  it(
    "cannot stop healing, end a rest or approve a patch with a body-less cross-site POST, nor read or write through DNS rebinding",
    async () => {
      const server = await startServerProcess({ db: await stores.fresh("sqlite") });
      const http = healingHttp(server.url);
      const port = new URL(server.url).port;
      await http.post("/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" });
      await http.post("/api/rest/kernels", { kernel_id: "athena_1", kernel_name: "Athena" });
      await http.post("/api/rest/fatigue/apollo_1", TIRED);
      expect((await http.post("/api/rest/request/apollo_1", {})).body.approved).toBe(true);
      await http.post("/api/self-healing/start", {});
      const state = async () => ({
        running: (await http.get("/api/self-healing/status")).body.status.running,
        apollo: (await http.get("/api/rest/status/apollo_1")).body.kernel.status,
        phase: (await http.get("/api/self-healing/phase")).body.phase.history.length,
      });
      const before = await state();
      expect(before).toMatchObject({ running: true, apollo: "resting" });

      // What <form method=post action=http://127.0.0.1:…> or fetch(…, {mode: "no-cors"}) sends.
      const page = {
        host: `127.0.0.1:${port}`,
        origin: "https://evil.example",
        "sec-fetch-site": "cross-site",
      };
      for (const path of [
        "/api/self-healing/stop",
        "/api/rest/end/apollo_1",
        "/api/self-healing/patches/pat_1/approve",
        "/api/self-healing/phase/advance",
      ]) {
        const reply = await raw(server, "POST", path, page);
        expect(reply.status, path).toBe(403);
        expect(reply.body, path).toMatchObject({
          code: "forbidden_origin",
          error: expect.stringContaining("Origin"),
        });
      }
      // Another port of localhost is another origin too (a dev server's page, say).
      const sibling = await raw(server, "POST", "/api/self-healing/stop", {
        host: `localhost:${port}`,
        origin: "http://localhost:3000",
      });
      expect(sibling.status).toBe(403);

      // DNS rebinding: evil.example now resolves to 127.0.0.1, so the page is "same-origin".
      const rebound = { host: `evil.example:${port}` };
      const read = await raw(server, "GET", "/api/rest/kernels", rebound);
      expect(read.status).toBe(403);
      expect(read.body).toMatchObject({ status: "error", code: "forbidden_host" });
      expect(JSON.stringify(read.body)).not.toContain("apollo_1");
      const write = await raw(server, "POST", "/api/self-healing/stop", {
        ...rebound,
        origin: `http://evil.example:${port}`,
      });
      expect(write.status).toBe(403);
      expect(write.body).toMatchObject({ success: false, code: "forbidden_host" });

      expect(await state()).toEqual(before);
      // The dashboard's own requests and clients that are not browsers still work.
      const own = await raw(server, "GET", "/api/rest/kernels", {
        host: `127.0.0.1:${port}`,
        origin: `http://127.0.0.1:${port}`,
      });
      expect(own.status).toBe(200);
      expect((await http.post("/api/self-healing/stop", {})).status).toBe(200);
      server.kill("SIGKILL");
    },
    SLOW,
  );
});

describe("kernel-scoped tokens on a server with tokens", () => {
  it(
    "are issued, listed and revoked with the CLI; one cannot report, answer actions or end a rest for another kernel, and a revoked one is a 401",
    async () => {
      const server = await startServerProcess({
        db: await stores.fresh("sqlite"),
        env: { AUTONOMIC_KERNEL_TOKEN: KERNEL_TOKEN, AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN },
      });
      const cli = (...args: string[]) => runCli([...args, "--url", server.url, "--token", OPERATOR_TOKEN]);
      const operator = healingHttp(server.url, { token: OPERATOR_TOKEN });

      const issued = await cli("tokens", "issue", "apollo_1", "--actor", "ada", "--json");
      expect(issued.code, issued.stderr).toBe(0);
      const { token, access_token } = JSON.parse(issued.stdout);
      expect(token).toMatch(/^akt_/);
      const apollo = healingHttp(server.url, { token });
      const listed = await cli("tokens", "list", "--json");
      expect(JSON.parse(listed.stdout).tokens).toEqual([
        expect.objectContaining({
          token_id: access_token.token_id,
          kernel_id: "apollo_1",
          created_by: "user:ada",
        }),
      ]);
      expect(listed.stdout).not.toContain(token);
      const table = await cli("tokens", "list");
      expect(table.stdout).toContain(access_token.token_id);

      expect(
        (await apollo.post("/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" })).status,
      ).toBe(201);
      await operator.post("/api/rest/kernels", { kernel_id: "athena_1", kernel_name: "Athena" });
      await operator.post("/api/rest/fatigue/athena_1", TIRED);
      expect((await operator.post("/api/rest/request/athena_1", {})).body.approved).toBe(true);
      // A dry run for Athena (phase 2 sandboxes), waiting for Athena's answer.
      await operator.report("athena_1", { phi: 0.75, kappa_eff: 64.21 });
      await operator.forcePhase(2);
      const evaluation = operator.post("/api/self-healing/evaluate-patch", {
        kernel_id: "athena_1",
        type: "enable_cache",
        params: { entries: 100 },
      });
      const athenaAction = (
        await operator.nextAction("athena_1", { phi: 0.75, kappa_eff: 64.21 }, { dry_run: true })
      ).action_id;
      const state = async () => ({
        kernels: (await operator.get("/api/rest/kernels")).body.kernels.map(
          ({ time_in_status: _, ...k }: Record<string, unknown>) => k,
        ),
        snapshots: (await operator.get("/api/self-healing/snapshots?limit=1000")).body.snapshots.length,
        action: (await operator.get(`/api/self-healing/actions/${athenaAction}`)).body.action.status,
      });
      const before = await state();

      const attacks: [string, unknown][] = [
        ["/api/rest/fatigue/athena_1", TIRED],
        ["/api/self-healing/snapshot", { kernel_id: "athena_1", phi: 0.2, kappa_eff: 20 }],
        [`/api/self-healing/actions/${athenaAction}/result`, { ok: false, error: "sabotage" }],
        ["/api/rest/end/athena_1", undefined],
      ];
      for (const [path, body] of attacks) {
        const reply = await apollo.post(path, body);
        expect(reply.status, path).toBe(403);
        expect(reply.body.error, path).toMatch(/kernel apollo_1 only/);
      }
      expect(await state()).toEqual(before);
      expect(before).toMatchObject({ action: "pending" });
      // Its own kernel is its to report for.
      expect((await apollo.post("/api/rest/fatigue/apollo_1", { phi: 0.7, kappa: 64.21 })).status).toBe(200);

      const revoked = await cli("tokens", "revoke", access_token.token_id);
      expect(revoked.stdout).toContain(`revoked ${access_token.token_id} (apollo_1)`);
      const after = await apollo.post("/api/rest/fatigue/apollo_1", { phi: 0.7, kappa: 64.21 });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe("unauthorized");
      const help = await runCli(["tokens", "--help"]);
      expect(help.stdout).toMatch(/issue[\s\S]*list[\s\S]*revoke/);
      server.kill("SIGKILL");
      await evaluation.catch(() => undefined);
    },
    SLOW,
  );
});
