import { describe, expect, it } from "vitest";
import { flagInteger, flagNumber } from "./flag-numbers.js";

describe("numbers from flags", () => {
  it("reads numbers and integers as written", () => {
    expect(flagNumber("1.5", "--hours")).toBe(1.5);
    expect(flagInteger("7", "--seed")).toBe(7);
    expect(flagInteger("0", "--random-faults", 0)).toBe(0);
  });

  it("refuses what is not a number, not whole or below the minimum, naming the flag, as a usage error", () => {
    for (const [call, message] of [
      [() => flagNumber("abc", "--hours"), /--hours: must be a number/],
      [() => flagNumber(" ", "--hours"), /--hours: must be a number/],
      [() => flagInteger("1.5", "--seed"), /--seed: must be an integer/],
      [() => flagInteger("-1", "--random-faults", 0), /--random-faults: must be ≥ 0/],
    ] as const) {
      expect(call).toThrow(message);
      expect(() => call()).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });
});
