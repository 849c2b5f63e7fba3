import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseRegistry } from "../core/registry/registry.js";
import { type RegistryReport, registryReport, renderRegistryReport } from "./registry-check.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const USERS_PATH = fileURLToPath(new URL("../../../shared/pantheon-registry.yaml", import.meta.url));
const DEFAULT_PATH = join(ROOT, "registry", "pantheon.yaml");
const ESSENTIAL_RULE = "Essential tier gods must have rest_policy.type: never";

/** Runs `autonomic registry check ARGS…` from source, as a child process. */
function check(...args: string[]) {
  const run = spawnSync(process.execPath, ["--import", "tsx", MAIN, "registry", "check", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 30_000,
  });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("autonomic registry check", { timeout: 40_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-check-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The users' file with Zeus partnered to a god that does not exist. */
  function brokenRegistry(): string {
    const doc = parse(readFileSync(USERS_PATH, "utf8"));
    doc.gods.Zeus.rest_policy.partner = "Thor";
    const path = join(dir, "broken.yaml");
    writeFileSync(path, stringify(doc));
    return path;
  }

  it("summarises the users' file by tier and shows the Hermes warning, exit 0", () => {
    const { status, stdout, stderr } = check(USERS_PATH);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(stdout.split("\n")[0]).toBe(`${USERS_PATH}: 16 gods (3 essential, 13 specialized)`);
    expect(stdout).toMatch(/^ {2}minimal_rotating +Hermes \(partner Artemis, duty 0\.9\)$/m);
    expect(stdout).toContain("warnings (1):");
    expect(stdout).toContain("warning: god Hermes, field rest_policy.type:");
    expect(stdout).toContain(`(rule: "${ESSENTIAL_RULE}")`);
    expect(stdout).not.toContain("errors (");
  });

  it("prints the same report as JSON with --json", () => {
    const { status, stdout } = check(USERS_PATH, "--json");
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as RegistryReport;
    expect(report).toMatchObject({
      file: USERS_PATH,
      ok: true,
      god_count: 16,
      errors: [],
      unchecked_rules: [],
    });
    expect(report.tiers).toEqual({ essential: 3, specialized: 13 });
    expect(report.by_tier.essential).toEqual({ never: ["Heart", "Ocean"], minimal_rotating: ["Hermes"] });
    expect(report.warnings).toEqual([
      expect.objectContaining({
        severity: "warning",
        god: "Hermes",
        field: "rest_policy.type",
        rule: ESSENTIAL_RULE,
      }),
    ]);
    expect(report.chaos).toEqual({
      naming_pattern: "chaos_{domain}_{id}",
      total_active_limit: 200,
      per_domain_limit: 30,
      max_chaos_kernels: 240,
    });
  });

  it("exits 1 on a broken registry and names the god and field", () => {
    const path = brokenRegistry();
    const { status, stdout } = check(path);
    expect(status).toBe(1);
    expect(stdout.split("\n")[0]).toBe(`${path}: 0 gods`);
    expect(stdout).toContain("errors (1):");
    expect(stdout).toContain(
      'error: god Zeus, field rest_policy.partner: "Thor" is not a god of this registry',
    );
  });

  it("exits 1 on a broken registry with --json too, with ok false", () => {
    const { status, stdout } = check(brokenRegistry(), "--json");
    expect(status).toBe(1);
    const report = JSON.parse(stdout) as RegistryReport;
    expect(report).toMatchObject({ ok: false, god_count: 0, chaos: null });
    expect(report.errors).toEqual([expect.objectContaining({ god: "Zeus", field: "rest_policy.partner" })]);
  });

  it("exits 1 with 'not found' for a missing file", () => {
    const missing = join(dir, "no-such-registry.yaml");
    const { status, stdout, stderr } = check(missing);
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`registry file not found: ${missing}`);
  });

  it("explains itself with --help, exit 0", () => {
    const { status, stdout } = check("--help");
    expect(status).toBe(0);
    expect(stdout).toContain("Usage: autonomic registry check");
    expect(stdout).toMatch(/--json\s+print the report as JSON/);
  });

  it("checks the shipped default registry when given no FILE: 16 gods, 0 warnings", () => {
    const { status, stdout } = check();
    expect(status).toBe(0);
    expect(stdout.split("\n")[0]).toBe(`${DEFAULT_PATH}: 16 gods (3 essential, 13 specialized)`);
    expect(stdout).toMatch(/^warnings \(0\)$/m);
  });
});

describe("renderRegistryReport", () => {
  it("lists rules it could not check", () => {
    const text = readFileSync(USERS_PATH, "utf8").replace(
      "validation_rules:\n",
      'validation_rules:\n  - "Gods must be worshipped on Sundays"\n',
    );
    const rendered = renderRegistryReport(registryReport("x.yaml", parseRegistry(text)));
    expect(rendered).toContain("rules not checked (not understood):\n  Gods must be worshipped on Sundays");
  });
});
