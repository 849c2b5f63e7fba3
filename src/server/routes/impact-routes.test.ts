import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../core/errors.js";
import { parseSpanBound } from "./impact-routes.js";

const NOW = Date.UTC(2026, 11, 7, 6, 0, 0);

describe("a span bound of the report and calibration", () => {
  it("reads a length back from the given instant in seconds, minutes, hours, days or weeks", () => {
    expect(parseSpanBound("7d", NOW, "since")).toBe(NOW - 7 * 86_400_000);
    expect(parseSpanBound("24h", NOW, "since")).toBe(NOW - 86_400_000);
    expect(parseSpanBound("90m", NOW, "since")).toBe(NOW - 90 * 60_000);
    expect(parseSpanBound("30s", NOW, "since")).toBe(NOW - 30_000);
    expect(parseSpanBound("2w", NOW, "since")).toBe(NOW - 14 * 86_400_000);
  });

  it("reads an ISO 8601 time with its zone, or epoch seconds", () => {
    expect(parseSpanBound("2026-01-01T00:00:00Z", NOW, "until")).toBe(Date.UTC(2026, 0, 1));
    expect(parseSpanBound("1767225600", NOW, "until")).toBe(Date.UTC(2026, 0, 1));
  });

  it("refuses anything else, naming the field it came in", () => {
    for (const [value, field] of [
      ["last tuesday", "since"],
      ["7 days", "since"],
      ["-3d", "until"],
      ["2026-01-01T00:00:00", "until"],
    ] as const) {
      const refusal = (() => {
        try {
          parseSpanBound(value, NOW, field);
        } catch (err) {
          return err;
        }
      })();
      expect(refusal, value).toBeInstanceOf(InvalidInputError);
      expect((refusal as InvalidInputError).field, value).toBe(field);
    }
  });
});
