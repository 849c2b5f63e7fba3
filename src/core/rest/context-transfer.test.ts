/**
 * Context transfer (WP5.4 next step 1): a kernel going to rest hands a payload to its coverer
 * through the coverer's directive, and gets it back in its own on waking.
 */
import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods } from "../../../test/support/rest-fixture.js";
import { InvalidInputError } from "../errors.js";
import { restDirective } from "./directive.js";

const CONTEXT = { task: "forecast-42", step: 7, notes: ["half done"] };

describe("context transfer", () => {
  it("gives the coverer the resting kernel's context, and records it on the coverage event", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    const result = rest.requestRest("apollo_1", { context: CONTEXT });
    expect(result.events.find((e) => e.type === "coverage_started")).toMatchObject({
      kernel_id: "athena_1",
      context: CONTEXT,
    });
    expect(result.events.find((e) => e.type === "rest_started")).toMatchObject({ has_context: true });
    expect(restDirective(rest, "athena_1")).toMatchObject({
      covering_for: "apollo_1",
      covering_context: CONTEXT,
    });
    expect(restDirective(rest, "apollo_1").context).toBeUndefined();
  });

  it("hands the context back on waking, keeps it until the next rest, and clears the coverer's copy", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1", { context: CONTEXT });
    const { events } = rest.endRest("apollo_1");
    expect(events.find((e) => e.type === "rest_ended")).toMatchObject({ context_returned: true });
    expect(restDirective(rest, "apollo_1").context).toEqual(CONTEXT);
    expect(restDirective(rest, "athena_1").covering_context).toBeUndefined();
    rest.requestRest("apollo_1");
    expect(restDirective(rest, "apollo_1").context).toBeUndefined();
  });

  it("stores a copy, so a caller changing its object later changes nothing", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    const mine = { step: 1 };
    rest.requestRest("apollo_1", { context: mine });
    mine.step = 99;
    expect(restDirective(rest, "athena_1").covering_context).toEqual({ step: 1 });
  });

  it("goes to both coverers when two share the kernel", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena", "Hermes"]);
    rest.reportFatigue("apollo_1", 0.7, rest.config.kappaStar, 1, 0);
    rest.reportFatigue("athena_1", 0.7, rest.config.kappaStar, 0.7, 0);
    rest.reportFatigue("hermes_1", 0.7, rest.config.kappaStar, 0.7, 0);
    const result = rest.requestRest("apollo_1", { context: CONTEXT });
    expect(result.reason_code).toBe("shared_coverage");
    const contexts = result.events.flatMap((e) => (e.type === "coverage_started" ? [e.context] : []));
    expect(contexts).toEqual([CONTEXT, CONTEXT]);
    expect(restDirective(rest, "hermes_1").covering_context).toEqual(CONTEXT);
  });

  it("survives a save and restore while the kernel rests", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1", { context: CONTEXT });
    const copy = makeScheduler();
    copy.clock.set(clock.now());
    copy.rest.loadState(JSON.parse(JSON.stringify(rest.exportState())));
    expect(restDirective(copy.rest, "athena_1").covering_context).toEqual(CONTEXT);
    copy.rest.endRest("apollo_1");
    expect(restDirective(copy.rest, "apollo_1").context).toEqual(CONTEXT);
  });

  it("refuses a context over contextMaxBytes, naming the field, and changes nothing", () => {
    const { rest } = makeScheduler({ rest: { contextMaxBytes: 32 } });
    registerGods(rest, ["Apollo", "Athena"]);
    const before = JSON.stringify(rest.exportState());
    const call = () => rest.requestRest("apollo_1", { context: { text: "x".repeat(40) } });
    expect(call).toThrow(InvalidInputError);
    expect(call).toThrow(/context/);
    expect(JSON.stringify(rest.exportState())).toBe(before);
  });

  it("refuses a context that is not JSON", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => rest.requestRest("apollo_1", { context: circular })).toThrow(/context/);
    expect(() => rest.requestRest("apollo_1", { context: () => 1 })).toThrow(/context/);
    expect(rest.status("apollo_1").status).toBe("active");
  });
});
