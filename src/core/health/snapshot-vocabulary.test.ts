import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import { parseSnapshot, parseSnapshots } from "./snapshot.js";

const valid = { kernel_id: "apollo_1", phi: 0.78, kappa_eff: 63.9 };

function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error("expected an InvalidInputError");
}

describe("the original clients' snapshot vocabulary", () => {
  it("reads avg_latency, latency_ms, basin_coordinates, memory_usage_mb and cpu_usage_pct as ours", () => {
    const s = parseSnapshot({
      ...valid,
      avg_latency: 120,
      basin_coordinates: [1, 1, 2],
      memory_usage_mb: 512,
      cpu_usage_pct: 37,
    });
    expect([s.avg_latency_ms, Array.from(s.basin_coords ?? []), s.memory_mb, s.cpu_pct]).toEqual([
      120,
      [0.25, 0.25, 0.5],
      512,
      37,
    ]);
    expect(parseSnapshot({ ...valid, latency_ms: 80 }).avg_latency_ms).toBe(80);
  });

  it("takes both spellings when they agree, and refuses them naming both when they differ", () => {
    expect(parseSnapshot({ ...valid, avg_latency: 90, avg_latency_ms: 90 }).avg_latency_ms).toBe(90);
    expect(
      parseSnapshot({ ...valid, basin_coords: [1, 2], basin_coordinates: [1, 2] }).basin_coords,
    ).not.toBeNull();
    const latency = refusal(() => parseSnapshot({ ...valid, avg_latency_ms: 90, avg_latency: 91 }));
    expect(latency.field).toBe("avg_latency_ms, avg_latency");
    const basin = refusal(() => parseSnapshot({ ...valid, basin_coordinates: [1, 2], basin_coords: [2, 1] }));
    expect(basin.field).toBe("basin_coordinates, basin_coords");
    const twoAliases = refusal(() => parseSnapshot({ ...valid, latency_ms: 5, avg_latency: 6 }));
    expect(twoAliases.message).toMatch(/latency_ms.*avg_latency/);
  });

  it("ignores a field nobody knows and names it in the warnings, or refuses it when strict", () => {
    const warnings: string[] = [];
    const s = parseSnapshot({ ...valid, active_modules: ["a"], regime: "geometric" }, { warnings });
    expect(s.phi).toBe(0.78);
    expect(warnings).toEqual([
      'unknown field "active_modules" was ignored',
      'unknown field "regime" was ignored',
    ]);
    expect(refusal(() => parseSnapshot({ ...valid, regime: "x" }, { strictFields: true })).field).toBe(
      "regime",
    );
  });

  it("names an ignored field of a batch item by its index", () => {
    const warnings: string[] = [];
    parseSnapshots([valid, { ...valid, foo: 1 }], { warnings });
    expect(warnings).toEqual(['unknown field "snapshots[1].foo" was ignored']);
  });

  it("keeps set_baseline, which needs a basin in the same snapshot", () => {
    expect(parseSnapshot({ ...valid, basin_coords: [1, 1], set_baseline: true }).set_baseline).toBe(true);
    expect(parseSnapshot(valid).set_baseline).toBe(false);
    expect(refusal(() => parseSnapshot({ ...valid, set_baseline: true })).field).toBe("set_baseline");
  });

  it("treats __proto__ and constructor as unknown fields, never as the object's prototype", () => {
    const warnings: string[] = [];
    const input = JSON.parse('{"phi":0.5,"kappa_eff":60,"__proto__":{"kernel_id":"zeus_1"},"constructor":1}');
    const s = parseSnapshot(input, { warnings });
    expect(s.kernel_id).toBe("default");
    expect(warnings).toHaveLength(2);
  });
});

describe("snapshot context", () => {
  it("keeps a context within 64 KiB and 32 levels", () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 1; i < 32; i++) deep = { d: deep };
    expect(parseSnapshot({ ...valid, context: deep }).context).toBe(deep);
  });

  it("refuses a context 33 levels deep, and one 5,000 deep without overflowing the stack", () => {
    for (const levels of [33, 5000]) {
      let deep: Record<string, unknown> = {};
      for (let i = 1; i < levels; i++) deep = { d: deep };
      const err = refusal(() => parseSnapshot({ ...valid, context: deep }));
      expect([err.field, err.message]).toEqual(["context", "context: nests deeper than 32 levels"]);
    }
  });

  it("refuses a context over 64 KiB, naming its size", () => {
    const err = refusal(() => parseSnapshot({ ...valid, context: { blob: "x".repeat(70_000) } }));
    expect(err.field).toBe("context");
    expect(err.message).toMatch(/70\d{3} bytes as JSON; at most 65536/);
  });

  it("applies the configured bounds", () => {
    const bounds = { maxBytes: 100, maxDepth: 2 };
    expect(
      refusal(() => parseSnapshot({ ...valid, context: { a: { b: {} } } }, { contextBounds: bounds })).field,
    ).toBe("context");
  });
});
