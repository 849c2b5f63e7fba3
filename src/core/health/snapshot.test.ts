import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import { parseSnapshot, parseSnapshots, snapshotToJson } from "./snapshot.js";

const valid = { kernel_id: "apollo_1", phi: 0.78, kappa_eff: 63.9 };

/** The field an InvalidInputError names for this input. */
function badField(input: unknown, options?: Parameters<typeof parseSnapshot>[1]): string {
  try {
    parseSnapshot(input, options);
  } catch (err) {
    if (err instanceof InvalidInputError) return err.field;
    throw err;
  }
  throw new Error("expected an InvalidInputError");
}

describe("snapshot validation", () => {
  it("keeps a minimal snapshot and leaves what was not sent null", () => {
    const s = parseSnapshot(valid);
    expect(s).toMatchObject({ kernel_id: "apollo_1", phi: 0.78, kappa_eff: 63.9, timestamp: null });
    expect([s.basin_coords, s.error_rate, s.memory_mb, s.code_hash, s.context]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('belongs to the kernel "default" when it has no kernel_id', () => {
    expect(parseSnapshot({ phi: 0.5, kappa_eff: 60 }).kernel_id).toBe("default");
  });

  it("normalises a simplex basin and maps an embedding with x²/Σx²", () => {
    expect(Array.from(parseSnapshot({ ...valid, basin_coords: [1, 1, 2] }).basin_coords ?? [])).toEqual([
      0.25, 0.25, 0.5,
    ]);
    const embedded = parseSnapshot({ ...valid, basin_coords: [3, -4], basin_encoding: "embedding" });
    expect(embedded.basin_coords?.[0]).toBeCloseTo(0.36, 15);
    expect(embedded.basin_coords?.[1]).toBeCloseTo(0.64, 15);
  });

  it("reads epoch seconds and ISO 8601 times with a zone", () => {
    expect(parseSnapshot({ ...valid, timestamp: 1_767_225_600 }).timestamp).toBe(1_767_225_600);
    expect(parseSnapshot({ ...valid, timestamp: "2026-01-01T00:00:00Z" }).timestamp).toBe(1_767_225_600);
    expect(parseSnapshot({ ...valid, timestamp: "2026-01-01T01:00:00+01:00" }).timestamp).toBe(1_767_225_600);
  });

  it("keeps every optional field it was given", () => {
    const full = {
      ...valid,
      confidence: 0.9,
      surprise: 0.1,
      agency: 0.5,
      error_rate: 0.01,
      avg_latency_ms: 120,
      memory_mb: 512,
      cpu_pct: 180,
      code_hash: "abc123",
      label: "after deploy",
      context: { region: "eu", tags: ["a"] },
    };
    expect(parseSnapshot(full)).toMatchObject(full);
  });

  it("names every missing, mistyped, non-finite or out-of-range field", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kappa_eff: 64 }, "phi"],
      [{ phi: 0.5 }, "kappa_eff"],
      [{ ...valid, phi: "0.5" }, "phi"],
      [{ ...valid, phi: Number.NaN }, "phi"],
      [{ ...valid, phi: 1.0001 }, "phi"],
      [{ ...valid, phi: -0.01 }, "phi"],
      [{ ...valid, kappa_eff: Number.POSITIVE_INFINITY }, "kappa_eff"],
      [{ ...valid, kappa_eff: -1 }, "kappa_eff"],
      [{ ...valid, confidence: 2 }, "confidence"],
      [{ ...valid, surprise: -0.5 }, "surprise"],
      [{ ...valid, agency: true }, "agency"],
      [{ ...valid, error_rate: 1.5 }, "error_rate"],
      [{ ...valid, avg_latency_ms: -3 }, "avg_latency_ms"],
      [{ ...valid, memory_mb: Number.NaN }, "memory_mb"],
      [{ ...valid, cpu_pct: Number.NEGATIVE_INFINITY }, "cpu_pct"],
      [{ ...valid, code_hash: 42 }, "code_hash"],
      [{ ...valid, label: "x".repeat(201) }, "label"],
      [{ ...valid, context: [1, 2] }, "context"],
      [{ ...valid, context: "hi" }, "context"],
      [{ ...valid, kernel_id: "" }, "kernel_id"],
      [{ ...valid, kernel_id: 7 }, "kernel_id"],
      [{ ...valid, timestamp: "yesterday" }, "timestamp"],
      [{ ...valid, timestamp: "2026-01-01T00:00:00" }, "timestamp"],
      [{ ...valid, timestamp: 1_767_225_600_000 }, "timestamp"],
      [{ ...valid, timestamp: -1 }, "timestamp"],
      [{ ...valid, basin_coords: [0.5, 0.2, 0.3, Number.NaN] }, "basin_coords[3]"],
      [{ ...valid, basin_coords: [0.5, -0.2, 0.3] }, "basin_coords[1]"],
      [{ ...valid, basin_coords: [0.5, "0.2"] }, "basin_coords[1]"],
      [{ ...valid, basin_coords: [0, 0, 0] }, "basin_coords"],
      [{ ...valid, basin_coords: [] }, "basin_coords"],
      [{ ...valid, basin_coords: "0.5,0.5" }, "basin_coords"],
      [{ ...valid, basin_coords: [1, 2], basin_encoding: "polar" }, "basin_encoding"],
      [{ ...valid, basin_coords: [0, 0], basin_encoding: "embedding" }, "basin_coords"],
      [{ ...valid, kernel_id: "_hidden" }, "kernel_id"],
      [{ ...valid, kernel_id: "apollo\nSigned-off-by: eve" }, "kernel_id"],
      [{ ...valid, kernel_id: "a".repeat(129) }, "kernel_id"],
      [{ ...valid, set_baseline: "yes", basin_coords: [1, 1] }, "set_baseline"],
      [{ ...valid, set_baseline: true }, "set_baseline"],
    ];
    for (const [input, field] of cases) expect([input, badField(input)]).toEqual([input, field]);
  });

  it("refuses a basin longer than the configured maximum", () => {
    expect(badField({ ...valid, basin_coords: [1, 1, 1] }, { maxBasinDimension: 2 })).toBe("basin_coords");
  });

  it("refuses anything but a JSON object", () => {
    for (const input of [null, 3, "phi", [valid], new Date()]) expect(badField(input)).toBe("snapshot");
  });

  it("names the index of the bad item of a batch", () => {
    expect(() => parseSnapshots([valid, { ...valid, phi: 2 }])).toThrow(
      expect.objectContaining({ field: "snapshots[1].phi" }),
    );
    expect(parseSnapshots([valid, valid])).toHaveLength(2);
    expect(() => parseSnapshots(valid)).toThrow(expect.objectContaining({ field: "snapshots" }));
  });

  it("turns back into JSON with a plain basin array", () => {
    const json = snapshotToJson(parseSnapshot({ ...valid, basin_coords: [1, 3] }));
    expect(json.basin_coords).toEqual([0.25, 0.75]);
    expect(JSON.parse(JSON.stringify(json))).toMatchObject({ kernel_id: "apollo_1", phi: 0.78 });
  });
});
