import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../core/config.js";
import {
  CONFIG_REFERENCE_PATH,
  configSections,
  renderConfigReference,
  typeOf,
  undescribedKeys,
} from "./config-reference.js";

/** Every leaf key of a config object, dotted. */
/** Keys down to the values; an empty object (a map keyed by kernel, empty by default) is one key. */
function leafKeys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
  if (Object.keys(value).length === 0) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}

describe("the configuration reference", () => {
  it("is the page the schema generates (run `npm run docs:config` after changing the schema)", () => {
    expect(readFileSync(CONFIG_REFERENCE_PATH, "utf8")).toBe(renderConfigReference());
  });

  it("describes every key of the schema", () => {
    expect(undescribedKeys()).toEqual([]);
  });

  it("lists every key of the defaults, with its default", () => {
    const rows = configSections().flatMap((s) => s.keys);
    const listed = rows.map((r) => r.key);
    // healingGit is one key: an object checked in full at start-up, null by default.
    expect(listed.sort()).toEqual(leafKeys(DEFAULT_CONFIG).sort());
    expect(rows.find((r) => r.key === "server.port")).toMatchObject({
      type: "integer, 0 ≤ x ≤ 65535",
      default: 7070,
      description: expect.stringContaining("AUTONOMIC_PORT"),
    });
  });

  it("writes types with their bounds", () => {
    expect(typeOf({ type: "number", minimum: 0, maximum: 1 })).toBe("number, 0 ≤ x ≤ 1");
    expect(typeOf({ type: "number", exclusiveMinimum: 0 })).toBe("number > 0");
    expect(typeOf({ type: "number", maximum: Math.PI })).toBe("number ≤ π");
    expect(typeOf({ anyOf: [{ type: "string", minLength: 16 }, { type: "null" }] })).toBe(
      "string (≥ 16 characters) or null",
    );
    expect(typeOf({ type: "string", enum: ["full", "half"] })).toBe('"full" | "half"');
  });
});
