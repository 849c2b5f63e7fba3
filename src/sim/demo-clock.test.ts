import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { DemoClock } from "./demo-clock.js";

describe("the demo's clock", () => {
  it("runs speed times wall time while the kernels keep up", () => {
    const wall = new ManualClock(1_000);
    const clock = new DemoClock(0, 300, wall);
    wall.advanceSeconds(100 / 1000);
    expect(clock.now()).toBe(30_000);
    clock.tick(false);
    wall.advanceSeconds(100 / 1000);
    expect(clock.now()).toBe(60_000);
    expect(clock.effectiveSpeed).toBe(300);
  });

  it("stands still while they are behind, and says how fast it really ran", () => {
    const wall = new ManualClock(1_000);
    const clock = new DemoClock(0, 300, wall);
    wall.advanceSeconds(100 / 1000);
    clock.tick(true); // a report round is still in flight
    wall.advanceSeconds(900 / 1000);
    expect(clock.now()).toBe(30_000);
    clock.tick(false); // caught up: time goes on from here, the 900 ms are not made up
    wall.advanceSeconds(100 / 1000);
    expect(clock.now()).toBe(60_000);
    expect(clock.effectiveSpeed).toBeCloseTo(60_000 / 1_100);
  });

  it("moves on by at most one step's worth after a stall, never backwards", () => {
    const wall = new ManualClock(1_000);
    const clock = new DemoClock(0, 300, wall, 250);
    wall.advanceSeconds(2_000 / 1000); // the event loop was blocked for 2 s
    expect(clock.now()).toBe(75_000);
    const seen = clock.now();
    clock.tick(true);
    expect(clock.now()).toBe(seen);
  });

  it("stops at a barrier until a later one is set, so no report time is skipped", () => {
    const wall = new ManualClock(1_000);
    const clock = new DemoClock(0, 300, wall, 250);
    clock.stopAt(60_000);
    wall.advanceSeconds(250 / 1000); // 75 s of virtual time would pass the report at 60 s
    expect(clock.now()).toBe(60_000);
    clock.tick(true); // the round of reports at 60 s is in flight
    wall.advanceSeconds(1);
    clock.stopAt(120_000);
    expect(clock.now()).toBe(60_000);
    clock.tick(false);
    wall.advanceSeconds(100 / 1000);
    expect(clock.now()).toBe(90_000);
  });
});
