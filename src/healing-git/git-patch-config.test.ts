import { describe, expect, it } from "vitest";
import { ConfigError, InvalidInputError } from "../core/errors.js";
import { resolveGitPatchConfig } from "./git-patch-config.js";
import { patchBranchName, validateParamsChange } from "./params-change.js";

const minimal = { repositoryPath: "/srv/kernel-config", paramsFile: "params.yaml" };

describe("resolveGitPatchConfig", () => {
  it("fills the defaults an operator expects", () => {
    const config = resolveGitPatchConfig(minimal);

    expect(config).toMatchObject({
      baseBranch: "main",
      remote: "origin",
      testCommand: null,
      github: { apiUrl: "https://api.github.com", repository: null, token: null },
    });
  });

  it.each([
    ["paramsFile", { ...minimal, paramsFile: "../elsewhere/params.yaml" }],
    ["paramsFile", { ...minimal, paramsFile: "/etc/params.yaml" }],
    ["paramsFile", { ...minimal, paramsFile: "params.toml" }],
    ["baseBranch", { ...minimal, baseBranch: "-main" }],
    ["github.repository", { ...minimal, github: { repository: "just-a-name" } }],
    ["remote", { ...minimal, remote: null, github: { repository: "pantheon/kernel-config", token: "t" } }],
  ])("refuses a bad %s, naming it", (key, input) => {
    expect(() => resolveGitPatchConfig(input)).toThrow(ConfigError);
    try {
      resolveGitPatchConfig(input);
    } catch (err) {
      expect((err as ConfigError).key).toBe(key);
    }
  });
});

describe("validateParamsChange", () => {
  const change = { patchId: "p-1", kernelId: "apollo", params: { step: 0.2 }, title: "t", body: "" };

  it("names the branch after the patch", () => {
    validateParamsChange(change);
    expect(patchBranchName("p-1")).toBe("autonomic/patch-p-1");
  });

  it.each([
    ["patchId", { ...change, patchId: "../main" }],
    ["patchId", { ...change, patchId: "-f" }],
    ["kernelId", { ...change, kernelId: " " }],
    ["params", { ...change, params: {} }],
    ["params.step", { ...change, params: { step: Number.NaN } }],
    ["params.step", { ...change, params: { step: null as unknown as number } }],
  ])("refuses a bad %s before touching the repository", (field, input) => {
    expect(() => validateParamsChange(input)).toThrow(InvalidInputError);
    try {
      validateParamsChange(input);
    } catch (err) {
      expect((err as InvalidInputError).field).toBe(field);
    }
  });
});
