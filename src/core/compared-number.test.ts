import { describe, expect, it } from "vitest";
import { fixedBeside, plain, precisionBeside } from "./compared-number.js";

describe("a number shown beside its limit", () => {
  it("keeps the usual digits when they already show the side", () => {
    expect(fixedBeside(65.04, 70, 1)).toBe("65.0");
    expect(precisionBeside(0.6354999, 0.7)).toBe("0.6355");
    expect(precisionBeside(12.5, 10)).toBe("12.5");
  });

  it("adds digits until rounding no longer lands on the limit", () => {
    expect(fixedBeside(69.96, 70, 1)).toBe("69.96");
    expect(fixedBeside(69.9996, 70, 1)).toBe("69.9996");
    expect(precisionBeside(0.700004, 0.7)).toBe("0.700004");
    expect(precisionBeside(0.459996, 0.46)).toBe("0.459996");
  });

  it("adds digits until rounding no longer crosses the limit", () => {
    // 0.64996 to 2 places is 0.65, above a 0.65 limit it is below.
    expect(fixedBeside(0.64996, 0.65, 2)).toBe("0.64996");
    expect(Number(fixedBeside(0.64996, 0.65, 2))).toBeLessThan(0.65);
  });

  it("shows a value on its limit as the limit", () => {
    expect(fixedBeside(70, 70, 1)).toBe("70.0");
    expect(precisionBeside(0.7, 0.7)).toBe("0.7");
  });

  it("writes a limit without float noise", () => {
    expect(plain(0.29 * 100)).toBe("29");
    expect(plain(0.7 * 100)).toBe("70");
    expect(plain(0.465)).toBe("0.465");
  });
});
