/**
 * Multi-partner coverage (WP5.4 next step 5): two partners share a kernel when no single one
 * can carry it, each within coverLoadMax, and every invariant still holds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { idOf, makeScheduler, registerGods } from "../../../test/support/rest-fixture.js";
import { restDirective } from "./directive.js";
import { invariantViolations } from "./invariants.js";
import type { RestScheduler } from "./scheduler.js";

// Apollo's partners, in order: Athena (designated), then Hermes, Artemis, Dionysus.
const PARTNERS = ["Athena", "Hermes", "Artemis", "Dionysus"];

/** A fresh report (fatigue ≈ 0.1 × load) with the given load. */
function busy(rest: RestScheduler, god: string, load: number): void {
  rest.reportFatigue(idOf(god), 0.7, rest.config.kappaStar, load, 0);
}

function setUp() {
  const made = makeScheduler();
  registerGods(made.rest, ["Apollo", ...PARTNERS]);
  return made;
}

describe("multi-partner coverage", () => {
  it("shares a kernel between two partners when neither can carry it alone, in proportion to their room", () => {
    const { rest } = setUp();
    busy(rest, "Apollo", 1); // carried: 0.5 × 1 = 0.5
    busy(rest, "Athena", 0.7); // room 0.3
    busy(rest, "Hermes", 0.9); // room 0.1
    busy(rest, "Artemis", 0.8); // room 0.2
    busy(rest, "Dionysus", 0.95);
    const result = rest.requestRest("apollo_1");
    // Athena + Hermes hold 0.4 < 0.5; Athena + Artemis, the next pair in order, hold 0.5.
    expect(result).toMatchObject({
      approved: true,
      reason_code: "shared_coverage",
      covering_partner: "athena_1",
      sharing_partner: "artemis_1",
    });
    expect(rest.status("athena_1").cover_share).toBeCloseTo(0.6, 9);
    expect(rest.status("artemis_1").cover_share).toBeCloseTo(0.4, 9);
    expect(rest.status("apollo_1")).toMatchObject({ covered_by: "athena_1", covered_also_by: "artemis_1" });
    const shares = result.events.flatMap((e) => (e.type === "coverage_started" ? [e.share] : []));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(restDirective(rest, "artemis_1")).toMatchObject({ covering_for: "apollo_1" });
    expect(invariantViolations(rest.states())).toEqual([]);
  });

  it("prefers one partner that can carry the kernel alone over a pair", () => {
    const { rest } = setUp();
    busy(rest, "Apollo", 1);
    busy(rest, "Athena", 0.8); // room 0.2: not alone
    busy(rest, "Hermes", 0.4); // room 0.6: alone
    busy(rest, "Artemis", 0.8);
    const result = rest.requestRest("apollo_1");
    expect(result).toMatchObject({
      reason_code: "covered",
      covering_partner: "hermes_1",
      sharing_partner: null,
    });
    expect(rest.status("hermes_1").cover_share).toBe(1);
  });

  it("falls back to the first partner alone, over its room, rather than refuse a rest SPEC grants", () => {
    const { rest } = setUp();
    busy(rest, "Apollo", 1);
    for (const god of PARTNERS) busy(rest, god, 0.9); // rooms of 0.1: any two hold 0.2 < 0.5
    expect(rest.requestRest("apollo_1")).toMatchObject({
      approved: true,
      reason_code: "covered",
      covering_partner: "athena_1",
      sharing_partner: null,
    });
    expect(invariantViolations(rest.states())).toEqual([]);
  });

  it("frees both coverers when the shared rest ends", () => {
    const { rest } = setUp();
    busy(rest, "Apollo", 1);
    busy(rest, "Athena", 0.7);
    busy(rest, "Hermes", 0.7);
    busy(rest, "Artemis", 0.9);
    busy(rest, "Dionysus", 0.9);
    rest.requestRest("apollo_1");
    const { events } = rest.endRest("apollo_1");
    expect(events.filter((e) => e.type === "coverage_ended").map((e) => e.kernel_id)).toEqual([
      "athena_1",
      "hermes_1",
    ]);
    expect(events.find((e) => e.type === "rest_ended")).toMatchObject({
      covered_by: "athena_1",
      covered_also_by: "hermes_1",
    });
    for (const god of ["Athena", "Hermes"])
      expect(rest.status(idOf(god))).toMatchObject({ covering_for: null, cover_share: 0 });
    expect(invariantViolations(rest.states())).toEqual([]);
  });

  it("hands a shared coverer's share to another partner before that coverer rests", () => {
    const { rest } = makeScheduler();
    // Ares's partners, in order: Athena, Artemis, Aphrodite, Hephaestus.
    registerGods(rest, ["Ares", "Athena", "Artemis", "Aphrodite", "Hephaestus", "Hermes"]);
    busy(rest, "Ares", 1); // carried 0.5
    busy(rest, "Athena", 0.7); // room 0.3
    busy(rest, "Artemis", 0.7); // room 0.3: Athena and Artemis share Ares
    busy(rest, "Aphrodite", 0.95);
    busy(rest, "Hephaestus", 0.6); // room 0.4: not enough alone, enough for a half share (0.25)
    expect(rest.requestRest("ares_1")).toMatchObject({
      covering_partner: "athena_1",
      sharing_partner: "artemis_1",
    });
    rest.reportFatigue("artemis_1", 0.1, 2 * rest.config.kappaStar, 0.7, 0); // tired: fatigue ≈ 0.47
    const result = rest.requestRest("artemis_1");
    expect(result).toMatchObject({ approved: true, covering_partner: "hermes_1" });
    const handoff = result.events.find(
      (e) => e.type === "coverage_started" && e.handoff_from === "artemis_1",
    );
    expect(handoff).toMatchObject({ kernel_id: "hephaestus_1", covering_for: "ares_1", share: 0.5 });
    expect(rest.status("ares_1")).toMatchObject({ covered_by: "athena_1", covered_also_by: "hephaestus_1" });
    expect(rest.status("artemis_1")).toMatchObject({ covering_for: null, cover_share: 0 });
    expect(invariantViolations(rest.states())).toEqual([]);
  });

  it("refuses a shared coverer's rest when nobody can take over its share", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Ares", "Athena", "Artemis", "Aphrodite", "Hephaestus", "Hermes"]);
    busy(rest, "Ares", 1);
    busy(rest, "Athena", 0.7);
    busy(rest, "Artemis", 0.7);
    busy(rest, "Aphrodite", 0.95);
    busy(rest, "Hephaestus", 0.95);
    rest.requestRest("ares_1");
    rest.reportFatigue("artemis_1", 0.1, 2 * rest.config.kappaStar, 0.7, 0);
    expect(rest.requestRest("artemis_1")).toMatchObject({
      approved: false,
      reason_code: "covering_no_handoff",
    });
    expect(rest.status("ares_1")).toMatchObject({ covered_by: "athena_1", covered_also_by: "artemis_1" });
  });

  it("chooses the first single partner with room, else the first pair with room, else the first partner (any loads)", () => {
    const load = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(load, fc.array(load, { minLength: 4, maxLength: 4 }), (own, loads) => {
        const { rest, config } = setUp();
        busy(rest, "Apollo", own);
        for (const [i, god] of PARTNERS.entries()) busy(rest, god, loads[i] as number);
        const carried = config.coverLoadFraction * own;
        const room = loads.map((l) => config.coverLoadMax - l);
        const single = room.findIndex((r) => r + 1e-9 >= carried);
        let pair: [number, number] | null = null;
        for (let i = 0; i < 4 && pair === null && single < 0; i++)
          for (let j = i + 1; j < 4 && pair === null; j++)
            if ((room[i] as number) + (room[j] as number) + 1e-9 >= carried) pair = [i, j];
        const result = rest.requestRest("apollo_1");
        const id = (i: number) => idOf(PARTNERS[i] as string);
        if (single >= 0) expect(result.covering_partner).toBe(id(single));
        else if (pair) {
          expect(result.covering_partner).toBe(id(pair[0]));
          expect(result.sharing_partner).toBe(id(pair[1]));
          for (const i of pair) {
            const share = rest.status(id(i)).cover_share;
            expect((loads[i] as number) + share * carried).toBeLessThanOrEqual(config.coverLoadMax + 1e-9);
          }
        } else expect(result).toMatchObject({ covering_partner: id(0), sharing_partner: null });
        expect(invariantViolations(rest.states())).toEqual([]);
        if (result.approved) rest.endRest("apollo_1");
        expect(invariantViolations(rest.states())).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
