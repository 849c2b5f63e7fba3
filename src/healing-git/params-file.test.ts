import { describe, expect, it } from "vitest";
import { ParamsFileError } from "./git-patch-errors.js";
import { mergeKernelParams } from "./params-file.js";

describe("mergeKernelParams", () => {
  it("changes only the patched keys of a YAML file, keeping comments, order and other kernels", () => {
    const source = [
      "# persistent params",
      "athena:",
      "  step: 0.5",
      "apollo:",
      "  window: 10",
      "  step: 0.3 # tuned by hand",
      "",
    ].join("\n");

    const merged = mergeKernelParams(source, "params.yaml", "apollo", { step: 0.2, cache: true });

    expect(merged).toBe(
      [
        "# persistent params",
        "athena:",
        "  step: 0.5",
        "apollo:",
        "  window: 10",
        "  step: 0.2 # tuned by hand",
        "  cache: true",
        "",
      ].join("\n"),
    );
  });

  it("adds a kernel the YAML file does not have yet, and starts an empty or missing file", () => {
    expect(mergeKernelParams("athena:\n  step: 0.5\n", "p.yml", "hermes", { pause: 20 })).toBe(
      "athena:\n  step: 0.5\nhermes:\n  pause: 20\n",
    );
    expect(mergeKernelParams(null, "p.yaml", "hermes", { pause: 20 })).toBe("hermes:\n  pause: 20\n");
    expect(mergeKernelParams("# nothing yet\n", "p.yaml", "hermes", { pause: 20 })).toContain(
      "hermes:\n  pause: 20\n",
    );
  });

  it("writes JSON as two-space JSON, keeping kernel order", () => {
    const source = JSON.stringify({ zeus: { a: 1 }, apollo: { step: 0.3, window: 10 } });

    const merged = mergeKernelParams(source, "params.json", "apollo", { step: 0.2, mode: "fast" });

    expect(merged).toBe(
      `${JSON.stringify({ zeus: { a: 1 }, apollo: { step: 0.2, window: 10, mode: "fast" } }, null, 2)}\n`,
    );
    expect(mergeKernelParams(null, "params.json", "apollo", { step: 0.2 })).toBe(
      '{\n  "apollo": {\n    "step": 0.2\n  }\n}\n',
    );
  });

  it("treats a kernel named __proto__ as data", () => {
    const merged = JSON.parse(mergeKernelParams("{}", "params.json", "__proto__", { polluted: true }));

    expect(Object.keys(merged)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ["a YAML list", "- apollo\n", "params.yaml"],
    ["a YAML kernel entry that is a scalar", "apollo: 3\n", "params.yaml"],
    ["broken YAML", "apollo: [\n", "params.yaml"],
    ["a JSON array", "[]", "params.json"],
    ["a JSON kernel entry that is a list", '{"apollo": [1]}', "params.json"],
    ["broken JSON", "{", "params.json"],
  ])("refuses %s rather than overwrite it", (_name, source, file) => {
    expect(() => mergeKernelParams(source, file, "apollo", { step: 0.2 })).toThrow(ParamsFileError);
  });

  it("keeps a comment that follows a kernel's key, one line lower (the yaml package's round trip)", () => {
    const merged = mergeKernelParams("apollo: # the sun\n  step: 0.3\n", "params.yaml", "apollo", {
      step: 0.2,
    });

    expect(merged).toBe("apollo:\n  # the sun\n  step: 0.2\n");
  });
});
