import { describe, expect, it } from "vitest";
import { gateProgress, gateValue } from "./gate-progress.js";
import type { GateCriterion } from "./wire-types.js";

const criterion = (target: string, value: number | null, met = false): GateCriterion => ({
  name: "x",
  description: "x",
  target,
  value,
  met,
});

describe("gate progress", () => {
  it("measures a floor as the share of the way to it", () => {
    expect(gateProgress(criterion("≥ 1000", 250))).toBe(0.25);
    expect(gateProgress(criterion("> 0.7 (70 %)", 0.35))).toBe(0.5);
    expect(gateProgress(criterion("= 16 (every kernel seen)", 12))).toBe(0.75);
  });

  it("is full once met and empty with nothing to measure yet", () => {
    expect(gateProgress(criterion("≥ 5", 9, true))).toBe(1);
    expect(gateProgress(criterion("> 0.7 (70 %)", null))).toBe(0);
  });

  it("has no distance to go for a ceiling, a range or a zero target", () => {
    expect(gateProgress(criterion("< 0.1 (10 %)", 0.3))).toBeNull();
    expect(gateProgress(criterion("0.5–0.8", 0.3))).toBeNull();
    expect(gateProgress(criterion("= 0", 2))).toBeNull();
  });

  it("writes a share as a percentage when its target is one, and a count as a count", () => {
    expect(gateValue(criterion("> 0.7 (70 %)", 0.8125))).toBe("81 %");
    expect(gateValue(criterion("< 0.1 (10 %)", 0.05))).toBe("5.0 %");
    expect(gateValue(criterion("≥ 1000", 1200))).toBe("1200");
    expect(gateValue(criterion("0.5–0.8", 0.6234))).toBe("0.62");
    expect(gateValue(criterion("≥ 10", null))).toBe("none yet");
  });

  it("keeps the digits that show a value is short of its target, however close", () => {
    expect(gateValue(criterion("> 0.7 (70 %)", 0.696))).toBe("69.6 %");
    expect(gateValue(criterion("> 0.7 (70 %)", 0.69996))).toBe("69.996 %");
    expect(gateValue(criterion("0.5–0.8", 0.4999))).toBe("0.4999");
    expect(gateValue(criterion("> 0.7 (70 %)", 0.7))).toBe("70 %");
  });
});
