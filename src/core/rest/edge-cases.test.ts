import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods, setFatigue } from "../../../test/support/rest-fixture.js";
import { ConflictError, InvalidInputError } from "../errors.js";
import { RestScheduler } from "./scheduler.js";

describe("rest modes by tier and policy", () => {
  it("never lets an essential kernel go RESTING, whatever it asks", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Heart", "Ocean", "Hermes", "Artemis"]);
    for (const id of ["heart_1", "ocean_1", "hermes_1"]) {
      setFatigue(rest, id, 0.9);
      expect(rest.requestRest(id).rest_type).not.toBe("resting");
      expect(rest.status(id).status).not.toBe("resting");
    }
  });

  it("gives Hades (specialised, never) REDUCED activity, with no partner needed", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Hades"]);
    expect(rest.requestRest("hades_1")).toMatchObject({
      approved: true,
      rest_type: "reduced",
      covering_partner: null,
    });
  });

  it("rests a chaos kernel fully (RESTING) while its mentor covers", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Athena"]);
    rest.register("c1", "chaos_strategy_1", "Athena");
    expect(rest.requestRest("c1").rest_type).toBe("resting");
  });
});

describe("who can cover", () => {
  it("does not take a partner in REDUCED or a micro-pause as coverer", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Hermes", "Artemis", "Apollo", "Ares"]);
    rest.requestRest("artemis_1"); // micro-pause, Hermes covers
    rest.requestRest("apollo_1"); // Athena absent → Hermes busy → Artemis pausing → Dionysus absent
    expect(rest.status("apollo_1").status).toBe("active");
    expect(rest.partners("apollo_1").find((p) => p.kernel_name === "Artemis")).toMatchObject({
      status: "micro_pause",
      can_cover: false,
    });
  });

  it("keeps an essential kernel working rather than drop the kernel it covers (no REDUCED without handoff)", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Ocean"]);
    rest.register("c1", "chaos_depth_1", "Ocean");
    rest.requestRest("c1");
    setFatigue(rest, "ocean_1", 0.6);
    expect(rest.requestRest("ocean_1")).toMatchObject({
      approved: false,
      reason_code: "covering_no_handoff",
    });
    expect(rest.status("c1").covered_by).toBe("ocean_1");
  });
});

describe("micro-pauses and seasons", () => {
  it("caps a micro-pause at 60 s and wakes it when that has elapsed", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Artemis", "Hermes"]);
    clock.advanceSeconds(3600); // time factor at its maximum
    setFatigue(rest, "artemis_1", 0.99);
    const until = rest.requestRest("artemis_1").planned_until ?? 0;
    expect((until - clock.now()) / 1000).toBeLessThanOrEqual(60);
    expect((until - clock.now()) / 1000).toBeGreaterThan(59);
    clock.set(until);
    expect(rest.tick().find((e) => e.type === "rest_ended")).toMatchObject({
      cause: "planned_length_elapsed",
    });
  });

  it("takes the season length from config", () => {
    const { rest, clock } = makeScheduler({ rest: { seasonLengthSeconds: 3600 } });
    registerGods(rest, ["Persephone", "Demeter"]);
    clock.advanceSeconds(1799);
    expect(rest.shouldRest("persephone_1").should_rest).toBe(false);
    clock.advanceSeconds(1);
    expect(rest.shouldRest("persephone_1").reason_code).toBe("season_ended");
    expect(rest.requestRest("persephone_1").planned_until).toBe(clock.now() + 1800 * 1000);
  });

  it("measures a seasonal kernel's duty cycle over its season", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Persephone", "Demeter"]);
    clock.advanceSeconds(3 * 3600);
    rest.requestRest("persephone_1");
    clock.advanceSeconds(3 * 3600);
    rest.tick();
    expect(rest.dutyCycle("persephone_1")).toEqual({ target: 0.5, measured: 0.5 });
  });
});

describe("duty cycle and REDUCED", () => {
  it("does not count REDUCED activity as downtime, so essential reductions are never refused for it", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Hermes"]); // alone: no partner, so every rest is REDUCED
    for (let i = 0; i < 5; i++) {
      expect(rest.requestRest("hermes_1")).toMatchObject({ approved: true, rest_type: "reduced" });
      clock.advanceSeconds(360);
      rest.tick();
      clock.advanceSeconds(60);
    }
    expect(rest.dutyCycle("hermes_1").measured).toBe(1);
  });
});

describe("robustness", () => {
  it("rejects telemetry that is not a number, naming the field, and changes nothing", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Ares"]);
    const before = JSON.stringify(rest.exportState());
    for (const [args, field] of [
      [[null, 60, 0, 0], "phi"],
      [[0.5, "60", 0, 0], "kappa"],
      [[0.5, 60, true, 0], "load"],
      [[0.5, 60, 0, Number.NaN], "error_rate"],
    ] as const) {
      const call = () =>
        rest.reportFatigue("ares_1", ...(args as unknown as [number, number, number, number]));
      expect(call).toThrow(InvalidInputError);
      expect(call).toThrow(new RegExp(`^${field}:`));
    }
    expect(JSON.stringify(rest.exportState())).toBe(before);
    expect(rest.shouldRest("ares_1").should_rest).toBe(false);
  });

  it("keeps its state when asked to load a saved state that breaks an invariant", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena", "Hera"]);
    rest.requestRest("apollo_1");
    const before = JSON.stringify(rest.exportState());
    const bad = rest.exportState();
    const athena = bad.kernels.find((k) => k.kernelId === "athena_1");
    if (athena) athena.coveringFor = null;
    expect(() => rest.loadState(bad)).toThrow(ConflictError);
    const unknown = {
      ...rest.exportState(),
      kernels: [...rest.exportState().kernels, { ...bad.kernels[0], kernelId: "x", kernelName: "Nobody" }],
    };
    expect(() => rest.loadState(unknown as typeof bad)).toThrow(InvalidInputError);
    expect(JSON.stringify(rest.exportState())).toBe(before);
  });

  it("refuses a saved state with a god live under two ids", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Zeus"]);
    const saved = rest.exportState();
    saved.kernels.push({ ...(saved.kernels[0] as (typeof saved.kernels)[number]), kernelId: "zeus_2" });
    expect(() => makeScheduler().rest.loadState(saved)).toThrow(/already live/);
  });

  it("completes a transition and tells every listener even when one listener throws", () => {
    const failures: string[] = [];
    const { registry, config, clock } = makeScheduler();
    const scheduler = new RestScheduler({
      registry,
      config,
      clock,
      onListenerError: (_e, event) => failures.push(event.type),
    });
    const seen: string[] = [];
    scheduler.subscribe(() => {
      throw new Error("listener bug");
    });
    scheduler.subscribe((e) => seen.push(e.type));
    registerGods(scheduler, ["Apollo", "Athena"]);
    expect(scheduler.requestRest("apollo_1").approved).toBe(true);
    expect(seen).toEqual(["kernel_registered", "kernel_registered", "coverage_started", "rest_started"]);
    expect(failures).toEqual(seen);
  });

  it("refuses to change a chaos kernel's mentor by registering it again", () => {
    const { rest } = makeScheduler();
    rest.register("c1", "chaos_focus_1", "Artemis");
    expect(rest.register("c1", "chaos_focus_1", "Artemis").events).toEqual([]);
    expect(() => rest.register("c1", "chaos_focus_1", "Apollo")).toThrow(/mentor/);
    expect(() => rest.register("c1", "chaos_focus_1", "Nobody")).toThrow(InvalidInputError);
  });
});
