import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods } from "../../../test/support/rest-fixture.js";
import { ConflictError, InvalidInputError } from "../errors.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ConflictError
      ? e.code
      : e instanceof InvalidInputError
        ? `invalid:${e.field}`
        : String(e);
  }
  return undefined;
}

describe("registration", () => {
  it("registers a god with its tier and policy, by name in any case", () => {
    const { rest } = makeScheduler();
    const { value, events } = rest.register("apollo_1", "apollo");
    expect(value).toMatchObject({
      kernel_name: "Apollo",
      tier: "specialized",
      rest_policy: "coordinated_alternating",
    });
    expect(events).toMatchObject([
      { type: "kernel_registered", kernel_id: "apollo_1", kernel_name: "Apollo" },
    ]);
  });

  it("is idempotent for the same id and name", () => {
    const { rest } = makeScheduler();
    rest.register("apollo_1", "Apollo");
    expect(rest.register("apollo_1", "Apollo").events).toEqual([]);
    expect(rest.size).toBe(1);
  });

  it("keeps a god singular: a second id for a live god is a conflict", () => {
    const { rest } = makeScheduler();
    rest.register("apollo_1", "Apollo");
    expect(codeOf(() => rest.register("apollo_2", "Apollo"))).toBe("already_live");
    expect(rest.size).toBe(1);
  });

  it("lets a god return under a new id once the old one is gone", () => {
    const { rest } = makeScheduler();
    rest.register("apollo_1", "Apollo");
    rest.deregister("apollo_1");
    expect(rest.register("apollo_2", "Apollo").value.kernel_id).toBe("apollo_2");
  });

  it("refuses an id already registered under another name", () => {
    const { rest } = makeScheduler();
    rest.register("k1", "Apollo");
    expect(codeOf(() => rest.register("k1", "Athena"))).toBe("id_taken");
  });

  it("refuses a name that is neither a god nor a chaos kernel, naming kernel_name", () => {
    const { rest } = makeScheduler();
    expect(codeOf(() => rest.register("x", "Thor"))).toBe("invalid:kernel_name");
    expect(codeOf(() => rest.register("x", "chaos_focus"))).toBe("invalid:kernel_name");
    expect(codeOf(() => rest.register("", "Apollo"))).toBe("invalid:kernel_id");
  });

  it("registers chaos kernels as tier and policy 'chaos'", () => {
    const { rest } = makeScheduler();
    expect(rest.register("c1", "chaos_deep_memory_1").value).toMatchObject({
      tier: "chaos",
      rest_policy: "chaos",
    });
  });

  it("takes a mentor god for a chaos kernel, and only for one", () => {
    const { rest } = makeScheduler();
    expect(rest.register("c1", "chaos_focus_1", "artemis").events[0]).toMatchObject({ mentor: "Artemis" });
    expect(codeOf(() => rest.register("c2", "chaos_focus_2", "Thor"))).toBe("invalid:mentor");
    expect(codeOf(() => rest.register("a", "Apollo", "Athena"))).toBe("invalid:mentor");
  });

  it("holds the per-domain chaos limit of 30 live kernels", () => {
    const { rest } = makeScheduler();
    for (let i = 1; i <= 30; i++) rest.register(`c${i}`, `chaos_focus_${i}`);
    expect(codeOf(() => rest.register("c31", "chaos_focus_31"))).toBe("chaos_domain_limit");
    expect(rest.register("d1", "chaos_depth_1").value.tier).toBe("chaos");
  });

  it("holds the limit of 200 live chaos kernels", () => {
    const { rest } = makeScheduler();
    for (let i = 0; i < 200; i++) rest.register(`c${i}`, `chaos_d${Math.floor(i / 30)}_${i}`);
    expect(codeOf(() => rest.register("c200", "chaos_extra_1"))).toBe("chaos_limit");
  });

  it("holds the limit of 240 chaos kernels ever spawned, and a revived name takes no new slot", () => {
    const { rest } = makeScheduler();
    for (let i = 0; i < 240; i++) {
      rest.register(`c${i}`, `chaos_d${Math.floor(i / 30)}_${i}`);
      if (i >= 100) rest.deregister(`c${i}`);
    }
    expect(codeOf(() => rest.register("new", "chaos_fresh_1"))).toBe("chaos_total_limit");
    expect(rest.register("again", "chaos_d7_239").value.kernel_name).toBe("chaos_d7_239");
  });

  it("refuses to deregister a kernel that covers another", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1");
    expect(codeOf(() => rest.deregister("athena_1"))).toBe("covering");
  });

  it("ends the rest of a resting kernel that deregisters and frees its coverer", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1");
    const { events } = rest.deregister("apollo_1");
    expect(events.map((e) => e.type)).toEqual(["coverage_ended", "rest_ended", "kernel_deregistered"]);
    expect(rest.status("athena_1").covering_for).toBeNull();
  });
});
