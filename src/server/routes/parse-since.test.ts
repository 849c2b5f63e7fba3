import { describe, expect, it } from "vitest";
import { parseSince } from "./health-routes.js";

describe("parseSince", () => {
  it("reads ISO 8601 dates and zoned times and epoch seconds", () => {
    expect(parseSince("2026-02-28")).toBe(Date.UTC(2026, 1, 28));
    expect(parseSince("2024-02-29T23:59:59.5+01:00")).toBe(Date.UTC(2024, 1, 29, 22, 59, 59, 500));
    expect(parseSince("1790000000.25")).toBe(1_790_000_000_250);
  });

  it("refuses dates that do not exist instead of rolling them into the next month, naming since", () => {
    for (const value of [
      "2026-02-31",
      "2026-02-29",
      "2026-13-01",
      "2026-04-31",
      "2026-01-01T24:00Z",
      "2026-01-01T10:60Z",
    ])
      expect(() => parseSince(value), value).toThrow(/^since: /);
  });

  it("refuses times without a zone and anything else", () => {
    for (const value of ["2026-02-01T10:00", "yesterday", "", "2026-2-1"])
      expect(() => parseSince(value), value).toThrow(/^since: /);
  });
});
