import { describe, expect, it } from "vitest";
import { ManualClock, ScaledClock } from "./clock.js";

describe("ScaledClock", () => {
  it("runs its factor times faster than the wall clock it reads, from its start", () => {
    const wall = new ManualClock(5_000);
    const clock = new ScaledClock(1_000_000, 120, wall);
    expect(clock.now()).toBe(1_000_000);
    wall.advanceSeconds(1.5);
    expect(clock.now()).toBe(1_000_000 + 180_000);
  });

  it("refuses a factor that is not a positive number", () => {
    expect(() => new ScaledClock(0, 0)).toThrow(/factor/);
    expect(() => new ScaledClock(0, Number.NaN)).toThrow(/factor/);
  });
});

describe("ManualClock", () => {
  it("never goes back in time", () => {
    const clock = new ManualClock(10);
    expect(() => clock.set(5)).toThrow(RangeError);
  });
});
