import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";

describe("ManualClock", () => {
  it("never goes back in time", () => {
    const clock = new ManualClock(10);
    expect(() => clock.set(5)).toThrow(RangeError);
  });
});
