import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { InvalidInputError } from "../errors.js";
import { RemediationGuard } from "./remediation-guard.js";

const T0 = Date.UTC(2026, 10, 22);
const s = (seconds: number) => T0 + seconds * 1000;
const guard = () => new RemediationGuard(DEFAULT_CONFIG.healing); // 900 s, 3 per hour, 3 failures

describe("RemediationGuard", () => {
  it("allows a kernel it has never seen", () => {
    expect(guard().canRemediate("apollo_1", T0)).toEqual({ allowed: true });
  });

  it("allows three generated patches per kernel in a rolling hour, and says when the fourth may come", () => {
    const g = guard();
    for (const at of [0, 600, 1200]) g.recordGenerated("apollo_1", s(at));
    expect(g.canRemediate("apollo_2", s(1300))).toEqual({ allowed: true });
    const refused = g.canRemediate("apollo_1", s(1300));
    expect(refused).toMatchObject({ allowed: false, reason_code: "rate_limited", retry_at: s(3600) });
    if (!refused.allowed) expect(refused.reason).toContain("3 patches generated in the last hour");
    expect(g.canRemediate("apollo_1", s(3599)).allowed).toBe(false);
    expect(g.canRemediate("apollo_1", s(3600)).allowed).toBe(true);
  });

  it("cools a kernel down for 900 s after a patch is applied or rolled back on it", () => {
    const g = guard();
    g.recordChange("apollo_1", s(0));
    expect(g.canRemediate("apollo_1", s(120))).toMatchObject({
      allowed: false,
      reason_code: "cooldown",
      retry_at: s(900),
    });
    expect(g.canRemediate("apollo_1", s(900)).allowed).toBe(true);
    g.recordChange("apollo_1", s(1000));
    expect(g.canRemediate("apollo_1", s(1001)).allowed).toBe(false);
  });

  it("trips the breaker on the third consecutive failure, reporting the trip exactly once", () => {
    const g = guard();
    const tripped = [1, 2, 3, 4].map((i) => g.recordOutcome("apollo_1", s(i), "failure").tripped);
    expect(tripped).toEqual([false, false, true, false]);
    expect(g.canRemediate("apollo_1", s(99_999))).toMatchObject({
      allowed: false,
      reason_code: "circuit_open",
      retry_at: null,
    });
    expect(g.breaker("apollo_1")).toEqual({ open: true, consecutive_failures: 4, opened_at: s(3) });
  });

  it("counts only consecutive failures: a success in between starts the count again", () => {
    const g = guard();
    g.recordOutcome("apollo_1", s(1), "failure");
    g.recordOutcome("apollo_1", s(2), "failure");
    g.recordOutcome("apollo_1", s(3), "success");
    expect(g.recordOutcome("apollo_1", s(4), "failure").tripped).toBe(false);
    expect(g.recordOutcome("apollo_1", s(5), "failure").tripped).toBe(false);
    expect(g.recordOutcome("apollo_1", s(6), "failure").tripped).toBe(true);
  });

  it("stays open, even after a late success, until an operator resets it", () => {
    const g = guard();
    for (let i = 0; i < 3; i++) g.recordOutcome("apollo_1", s(i), "failure");
    g.recordOutcome("apollo_1", s(10), "success");
    expect(g.canRemediate("apollo_1", s(20)).allowed).toBe(false);
    expect(g.reset("apollo_1")).toEqual({ was_open: true });
    expect(g.canRemediate("apollo_1", s(20))).toEqual({ allowed: true });
    expect(g.reset("apollo_1")).toEqual({ was_open: false });
    // A fresh count: it takes three more failures to trip again.
    expect([1, 2, 3].map((i) => g.recordOutcome("apollo_1", s(20 + i), "failure").tripped)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it("names the open circuit before a cooldown or the rate limit, since only an operator lifts it", () => {
    const g = guard();
    for (let i = 0; i < 3; i++) g.recordGenerated("apollo_1", s(i));
    g.recordChange("apollo_1", s(3));
    expect(g.canRemediate("apollo_1", s(4))).toMatchObject({ reason_code: "cooldown" });
    for (let i = 0; i < 3; i++) g.recordOutcome("apollo_1", s(4), "failure");
    expect(g.canRemediate("apollo_1", s(5))).toMatchObject({ reason_code: "circuit_open" });
  });

  it("survives a round trip through JSON", () => {
    const g = guard();
    g.recordGenerated("apollo_1", s(0));
    g.recordChange("apollo_1", s(10));
    for (let i = 0; i < 3; i++) g.recordOutcome("zeus_1", s(i), "failure");
    const copy = guard();
    copy.loadState(JSON.parse(JSON.stringify(g.exportState())));
    expect(copy.exportState()).toEqual(g.exportState());
    expect(copy.canRemediate("apollo_1", s(20))).toMatchObject({ reason_code: "cooldown" });
    expect(copy.canRemediate("zeus_1", s(20))).toMatchObject({ reason_code: "circuit_open" });
  });

  it("exports a copy: changing the export changes nothing in the guard", () => {
    const g = guard();
    g.recordGenerated("apollo_1", s(0));
    const state = g.exportState();
    state.kernels.apollo_1?.generated_at.push(s(1), s(2));
    expect(g.canRemediate("apollo_1", s(3)).allowed).toBe(true);
  });

  it("refuses a malformed state, naming the field", () => {
    const g = guard();
    const bad = {
      version: 1,
      kernels: {
        apollo_1: {
          generated_at: [],
          last_change_at: null,
          consecutive_failures: -1,
          circuit_opened_at: null,
        },
      },
    };
    expect(() => g.loadState(bad)).toThrow(InvalidInputError);
    try {
      g.loadState(bad);
    } catch (e) {
      expect((e as InvalidInputError).field).toBe("state.kernels.apollo_1.consecutive_failures");
    }
  });
});
