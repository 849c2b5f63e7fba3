/**
 * Retirement through the services as the server wires them (openServices on the fake store):
 * one transaction for the wake, the handoff and the removal; nothing changed when it fails; the
 * health monitor stops counting the kernel while its snapshots stay stored; and a restart
 * brings back neither.
 */
import { describe, expect, it } from "vitest";
import { openHealing } from "../../test/support/healing-service-fixture.js";
import { StoreUnavailableError } from "../core/errors.js";
import type { RestEvent } from "../core/rest/events.js";
import type { RestChange } from "../store/store-types.js";

/** Apollo resting, covered by Athena; Hermes free to take the coverage over. */
async function apolloCoveredByAthena() {
  const h = await openHealing();
  for (const [id, name] of [
    ["apollo_1", "Apollo"],
    ["athena_1", "Athena"],
    ["hermes_1", "Hermes"],
  ])
    await h.rest.register(id, name);
  expect((await h.rest.requestRest("apollo_1")).covering_partner).toBe("athena_1");
  const commits: RestChange[] = [];
  const commit = h.store.commit.bind(h.store);
  h.store.commit = async (change) => {
    await commit(change);
    commits.push(change);
  };
  const published: RestEvent[] = [];
  h.rest.events.subscribe((e) => published.push(e));
  return { ...h, commits, published };
}

describe("retiring a kernel through the services", () => {
  it("hands a coverer's coverage on in one transaction: the coverage gap stays 0 and the covered kernel keeps resting", async () => {
    const { rest, commits, published, store } = await apolloCoveredByAthena();
    const retired = await rest.retire("athena_1");
    expect(retired.handoffs).toEqual([{ covered: "apollo_1", handed_to: "hermes_1", outcome: "handed_off" }]);
    expect(commits).toHaveLength(1);
    expect(commits[0]?.removedKernelIds).toEqual(["athena_1"]);
    expect(commits[0]?.events.map((e) => e.type)).toEqual([
      "coverage_ended",
      "coverage_started",
      "kernel_retired",
    ]);
    expect(commits[0]?.kernels.map((k) => [k.kernelId, k.coveringFor, k.coveredBy]).sort()).toEqual([
      ["apollo_1", null, "hermes_1"],
      ["hermes_1", "apollo_1", null],
    ]);
    expect(rest.status("apollo_1")).toMatchObject({ status: "resting", covered_by: "hermes_1" });
    expect(rest.kernels().filter((k) => k.is_resting && k.covered_by === null)).toEqual([]);
    expect(published.map((e) => e.type)).toEqual(["coverage_ended", "coverage_started", "kernel_retired"]);
    expect(await store.kernelRetirements()).toEqual([expect.objectContaining({ kernel_id: "athena_1" })]);
  });

  it("leaves memory and store as they were when the retirement's commit fails, and publishes nothing", async () => {
    const { rest, store, published } = await apolloCoveredByAthena();
    const before = {
      kernels: rest.kernels().map(({ time_in_status: _, ...k }) => k),
      state: await store.loadRestState(),
      coverage: await store.coverageEvents(),
    };
    store.failNextCommit(new Error("disk full"));
    await expect(rest.retire("athena_1")).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(rest.kernels().map(({ time_in_status: _, ...k }) => k)).toEqual(before.kernels);
    expect(rest.status("athena_1").covering_for).toBe("apollo_1");
    expect(await store.loadRestState()).toEqual(before.state);
    expect(await store.coverageEvents()).toEqual(before.coverage);
    expect(await store.kernelRetirements()).toEqual([]);
    expect(published).toEqual([]);
    // Nothing was half done: the same retirement goes through once the store is back.
    expect((await rest.retire("athena_1")).handoffs[0]?.handed_to).toBe("hermes_1");
  });

  it("stops counting a retired kernel in the health monitor, keeping its snapshots queryable", async () => {
    const { rest, health, report } = await openHealing();
    await rest.register("athena_1", "Athena");
    await report("athena_1", 3);
    await report("zeus_1", 3);
    expect(
      health
        .constellation()
        .kernels.map((k) => k.kernel_id)
        .sort(),
    ).toEqual(["athena_1", "zeus_1"]);
    await rest.retire("athena_1");
    expect(health.constellation().kernels.map((k) => k.kernel_id)).toEqual(["zeus_1"]);
    expect(await health.snapshots({ kernelId: "athena_1" })).toHaveLength(3);
  });

  it("raises no silence alert for a retired kernel, while a silent live one still gets one", async () => {
    const { rest, report, clock, config, healing, alertsOf } = await openHealing();
    await rest.register("athena_1", "Athena");
    await rest.register("apollo_1", "Apollo");
    await report("athena_1", 3);
    await report("apollo_1", 3);
    await rest.retire("athena_1");
    clock.advanceSeconds(config.healing.silentAlertSeconds + 60);
    await healing.healPass();
    expect((await alertsOf("kernel_silent")).map((a) => a.kernel_id)).toEqual(["apollo_1"]);
  });

  it("brings a retired kernel back neither to the scheduler nor to the monitor after a restart", async () => {
    const first = await apolloCoveredByAthena();
    await first.report("athena_1", 3);
    await first.report("hermes_1", 3);
    await first.rest.retire("athena_1");
    // Hermes is essential: forced, with a reason.
    await first.rest.retire("hermes_1", { force: true, reason: "decommissioned" });
    // Hermes registers again under its id: a new registration, so the restart monitors it again
    // from its stored snapshots, while Athena, not registered again, stays out.
    await first.rest.register("hermes_1", "Hermes");

    const second = await openHealing({ database: first.database, clock: first.clock });
    expect(second.rest.isRegistered("athena_1")).toBe(false);
    expect(
      second.rest
        .kernels()
        .map((k) => k.kernel_id)
        .sort(),
    ).toEqual(["apollo_1", "hermes_1"]);
    // Hermes retired with Apollo's coverage, which no one else could take: that rest ended.
    expect(second.rest.status("apollo_1")).toMatchObject({ status: "active", rest_count: 1 });
    expect(second.rest.status("hermes_1")).toMatchObject({ rest_count: 0, covering_for: null });
    expect(second.health.constellation().kernels.map((k) => k.kernel_id)).toEqual(["hermes_1"]);
    expect(await second.health.snapshots({ kernelId: "athena_1" })).toHaveLength(3);
    expect((await second.rest.retirements()).map((r) => [r.kernel_id, r.forced, r.reason])).toEqual([
      ["hermes_1", true, "decommissioned"],
      ["athena_1", false, null],
    ]);
  });
});
