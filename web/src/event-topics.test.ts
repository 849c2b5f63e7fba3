import { describe, expect, it } from "vitest";
import { EVENT_TOPICS, TOPICS, topicsOf } from "./event-topics.js";

describe("what an event makes stale", () => {
  it("re-reads the kernels on every rest and coverage change, so the graph's colours and arrows follow", () => {
    for (const type of [
      "rest_started",
      "rest_ended",
      "coverage_started",
      "coverage_ended",
      "kernel_registered",
    ])
      expect(topicsOf(type), type).toContain("kernels");
  });

  it("re-reads the kernels and their health when a kernel retires, so its node and its charts' choice go", () => {
    expect(topicsOf("kernel_retired")).toEqual(expect.arrayContaining(["kernels", "health"]));
  });

  it("re-reads the queue and the gate when a patch moves, and the kernels when a cycle starts or ends", () => {
    expect(topicsOf("patch_changed")).toEqual(["patches", "phase"]);
    expect(topicsOf("cycle_started")).toEqual(expect.arrayContaining(["cycles", "kernels"]));
    expect(topicsOf("alert_raised")).toEqual(["alerts", "cluster"]);
  });

  it("reaches every view from some event", () => {
    const reached = new Set(Object.values(EVENT_TOPICS).flat());
    expect([...reached].sort()).toEqual([...TOPICS].sort());
  });
});
