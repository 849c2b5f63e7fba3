/**
 * `autonomic heal|patches|phase|alerts` as an operator runs them, against a real server:
 * JSON that parses, tables that show each criterion and fitness component, the same patch
 * record the API returns, and exit codes scripts can branch on (3 for a refusal, 1 for an
 * error, 0 otherwise).
 */
import { afterAll, describe, expect, it } from "vitest";
import { configFile, healingHttp, SLOW } from "../../test/support/healing-http.js";
import { runCli, startServerProcess, stopAllServers } from "../../test/support/server-process.js";
import { storeLocations } from "../../test/support/store-locations.js";
import { type PatchRecord, patchRecordLines } from "../core/healing/patch-record.js";
import { EXIT_REFUSED } from "./rest-commands.js";

// Each CLI call starts a fresh Node process; on a loaded machine ten of them take over a minute.
const SLOW_TEST = 180_000;
const stores = storeLocations("autonomic-healing-cli-");

afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

async function serve(name: string) {
  const server = await startServerProcess({
    db: await stores.fresh("sqlite"),
    // No verification while the test looks: an applied patch stays applied.
    args: ["--config", configFile(stores.dir, name, { healing: { verificationIntervalSeconds: 3600 } })],
  });
  const cli = (...args: string[]) => runCli([...args, "--url", server.url]);
  return { server, cli, http: healingHttp(server.url) };
}

function parseJson(stdout: string) {
  try {
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(`not JSON: ${stdout}`, { cause: error });
  }
}

describe("autonomic phase", () => {
  it(
    "shows every criterion with its value, target and whether it is met, as a table and as JSON",
    async () => {
      const { server, cli } = await serve("phase");
      const json = await cli("phase", "--json");
      expect(json.code, json.stderr).toBe(0);
      const { phase } = parseJson(json.stdout);
      expect(phase).toMatchObject({ phase: 1, name: "monitoring", met: false });
      expect(phase.criteria.map((c: { name: string }) => c.name)).toEqual([
        "snapshots",
        "baselines",
        "no_crash",
      ]);

      const plain = await cli("phase");
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout).toContain("phase 1 (monitoring); next 2 (fitness_evaluation): gate unmet");
      expect(plain.stdout).toMatch(/^criterion\s+value\s+target\s+met\s+description$/m);
      expect(plain.stdout).toMatch(/^snapshots\s+0\s+≥ 1000\s+no\s+health snapshots recorded$/m);
      expect(plain.stdout).toMatch(/^no_crash\s+0\s+= 0\s+yes\s/m);
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );

  it(
    "advance exits 3 with the unmet criteria when the gate refuses, 1 for a force without a reason, and 0 for a force with one, which is recorded",
    async () => {
      const { server, cli } = await serve("advance");
      const refused = await cli("phase", "advance");
      expect(refused.code).toBe(EXIT_REFUSED);
      expect(refused.stdout).toContain("refused: phase 1 gate unmet: snapshots 0 (needs ≥ 1000)");
      expect(refused.stdout).toMatch(/^snapshots\s+0\s+≥ 1000\s+no\s/m);
      const refusedJson = await cli("phase", "advance", "--json");
      expect(refusedJson.code).toBe(EXIT_REFUSED);
      expect(parseJson(refusedJson.stdout)).toMatchObject({
        success: false,
        code: "gate_unmet",
        unmet: [{ name: "snapshots", met: false }],
      });

      const noReason = await cli("phase", "advance", "--force");
      expect(noReason.code).toBe(1);
      expect(noReason.stderr).toContain("HTTP 400: reason:");

      const forced = await cli(
        "phase",
        "advance",
        "--force",
        "--reason",
        "staging proved it",
        "--actor",
        "ada",
      );
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toContain(
        "advanced: 1 (monitoring) → 2 (fitness_evaluation) (forced over snapshots): staging proved it",
      );
      const after = parseJson((await cli("phase", "--json")).stdout).phase;
      expect(after).toMatchObject({ phase: 2 });
      expect(after.history).toEqual([
        expect.objectContaining({ actor: "user:ada", forced: true, reason: "staging proved it" }),
      ]);
      expect((await cli("phase")).stdout).toMatch(/1 → 2 by user:ada \(forced\): staging proved it/);
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );
});

describe("autonomic heal and patches", () => {
  it(
    "lists a patch waiting for review with its fitness components, prints the API's record, approves it, and exits 3 on a second approval",
    async () => {
      const { server, cli, http } = await serve("patches");
      await http.forcePhase(3);
      await http.post("/api/self-healing/stop");
      await http.reportMany("apollo_1", SLOW, 12);

      const heal = await cli("heal", "--json");
      expect(heal.code, heal.stderr).toBe(0);
      const [patchId] = parseJson(heal.stdout).patches_started;
      expect(patchId).toEqual(expect.any(String));
      const dry = await http.nextAction("apollo_1", SLOW, { patch_id: patchId, dry_run: true });
      await http.answer(dry.action_id, {
        ok: true,
        predicted: { phi: 0.75, kappa_eff: 64.21, avg_latency: 150 },
      });
      await http.patchIn(patchId, "pending_review");

      const list = await cli("patches");
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(
        /^patch\s+kernel\s+strategy\s+action\s+state\s+fitness\s+recommendation\s+target\s+terms\s+created/m,
      );
      expect(list.stdout).toMatch(
        new RegExp(
          `^${patchId}\\s+apollo_1\\s+performance\\s+enable_cache entries=1000\\s+pending_review\\s+1\\s+apply\\s+avg_latency_ms\\s+target 1, sparing 1, validity 1, harm_cap 1\\s`,
          "m",
        ),
      );
      expect(list.stdout).toContain("1 waiting for review");
      const filtered = parseJson((await cli("patches", "--state", "applied", "--json")).stdout);
      expect(filtered.patches).toEqual([]);

      // The record is rendered once, in patch-record.ts: the CLI prints what the API returns.
      const fromApi: PatchRecord = (await http.patch(patchId)).record;
      const shown = await cli("patches", "show", patchId);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toBe(patchRecordLines(fromApi).join("\n"));
      expect(shown.stdout).toMatch(
        /fitness 1 \(apply\) = validity 1 × min\(harm_cap 1, 0\.55×target 1 \+ 0\.45×sparing 1\); target avg_latency_ms/,
      );

      const approved = await cli("patches", "approve", patchId, "--reason", "cache it", "--actor", "ada");
      expect(approved.code, approved.stderr).toBe(0);
      expect(approved.stdout).toContain("approved: enable_cache entries=1000 sent to apollo_1");
      expect(approved.stdout).toContain(
        `${patchId}  enable_cache entries=1000 on apollo_1 (performance): approved`,
      );
      const live = await http.nextAction("apollo_1", SLOW, { patch_id: patchId, dry_run: false });
      await http.answer(live.action_id, { ok: true });
      const applied = await http.patchIn(patchId, "applied");
      expect(applied.transitions.at(-1)).toMatchObject({ actor: "user:ada", reason: "cache it" });

      const again = await cli("patches", "approve", patchId);
      expect(again.code).toBe(EXIT_REFUSED);
      expect(again.stdout).toContain(`refused: patch ${patchId} is applied, not waiting for review`);
      const unknown = await cli("patches", "reject", "pat_never_made", "--not-needed");
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain("HTTP 404: unknown patch: pat_never_made");

      const alerts = await cli("alerts", "--json");
      expect(alerts.code, alerts.stderr).toBe(0);
      expect(parseJson(alerts.stdout)).toEqual({ success: true, alerts: [] });
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );
});
