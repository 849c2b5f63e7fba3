import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { makeScheduler } from "../../test/support/rest-fixture.js";
import { buildConfig } from "../core/config.js";
import { StoreUnavailableError } from "../core/errors.js";
import type { RestEvent } from "../core/rest/events.js";
import { createFakeStore, FakeDatabase } from "../store/fake-store.js";
import type { RestChange, RestStore } from "../store/store-types.js";
import { RestService } from "./rest-service.js";

const logger = pino({ level: "silent" });

/** A service on a fake store that records every commit it is given. */
async function openService(database = new FakeDatabase()) {
  const { clock, registry } = makeScheduler();
  const fake = createFakeStore(database);
  const commits: RestChange[] = [];
  const store: RestStore = Object.assign(Object.create(fake), {
    commit: async (change: RestChange) => {
      await fake.commit(change);
      commits.push(change);
    },
  });
  const rest = await RestService.open({ registry, config: buildConfig(), store, clock, logger });
  return { rest, fake, commits, clock, database };
}

describe("rest service", () => {
  it("commits a rest, its coverage and both kernels' states in one transaction", async () => {
    const { rest, commits } = await openService();
    await rest.register("apollo_1", "Apollo");
    await rest.register("athena_1", "Athena");
    commits.length = 0;
    await rest.requestRest("apollo_1");
    expect(commits).toHaveLength(1);
    expect(commits[0]?.events.map((e) => e.type)).toEqual(["coverage_started", "rest_started"]);
    expect(commits[0]?.kernels.map((k) => [k.kernelId, k.status]).sort()).toEqual([
      ["apollo_1", "resting"],
      ["athena_1", "active"],
    ]);
    expect(commits[0]?.kernels.find((k) => k.kernelId === "athena_1")?.coveringFor).toBe("apollo_1");
  });

  it("stores a fatigue snapshot with each report", async () => {
    const { rest, fake } = await openService();
    await rest.register("ares_1", "Ares");
    const reply = await rest.reportFatigue("ares_1", { phi: 0.3, kappa: 64.21, load: 0.5 });
    const [snapshot] = await fake.fatigueSnapshots({ kernelId: "ares_1" });
    expect(snapshot).toMatchObject({
      kernel_id: "ares_1",
      phi: 0.3,
      load: 0.5,
      error_rate: 0,
      fatigue: reply.fatigue_score,
    });
    expect(reply.directive.rest).toMatchObject({ status: "active", should_rest: reply.should_rest });
  });

  it("does not acknowledge a rest whose commit failed, and forgets it", async () => {
    const { rest, fake } = await openService();
    const published: RestEvent[] = [];
    rest.events.subscribe((e) => published.push(e));
    await rest.register("apollo_1", "Apollo");
    await rest.register("athena_1", "Athena");
    published.length = 0;
    fake.failNextCommit(new Error("disk full"));
    await expect(rest.requestRest("apollo_1")).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(rest.status("apollo_1").status).toBe("active");
    expect(rest.status("athena_1").covering_for).toBeNull();
    expect(published).toEqual([]);
    expect((await rest.requestRest("apollo_1")).approved).toBe(true);
  });

  it("publishes events only after their commit", async () => {
    const { rest, fake } = await openService();
    const seenAtPublish: number[] = [];
    rest.events.subscribe(async () => {
      seenAtPublish.push((await fake.loadRestState()).kernels.length);
    });
    await rest.register("apollo_1", "Apollo");
    await new Promise((r) => setTimeout(r, 0));
    expect(seenAtPublish).toEqual([1]);
  });

  it("restores kernel states, active rests and coverage on start", async () => {
    const first = await openService();
    await first.rest.register("apollo_1", "Apollo");
    await first.rest.register("athena_1", "Athena");
    await first.rest.requestRest("apollo_1");
    const second = await openService(first.database);
    expect(second.rest.status("apollo_1")).toMatchObject({ status: "resting", covered_by: "athena_1" });
    expect(second.rest.status("athena_1").covering_for).toBe("apollo_1");
    await expect(second.rest.register("apollo_2", "Apollo")).rejects.toThrow(/already live/);
  });

  it("runs auto-wake as a committed transition", async () => {
    const { rest, clock, fake } = await openService();
    await rest.register("zeus_1", "Zeus");
    await rest.register("hera_1", "Hera");
    await rest.requestRest("zeus_1");
    clock.advanceSeconds(0.3 * 3600);
    const events = await rest.tick();
    expect(events.map((e) => e.type)).toEqual(["coverage_ended", "rest_ended"]);
    const [row] = await fake.restEvents({ kernelId: "zeus_1" });
    expect(row).toMatchObject({ end_cause: "planned_length_elapsed", duration_seconds: 1080 });
  });

  it("serialises concurrent writes so each sees the last one's state", async () => {
    const { rest } = await openService();
    await rest.register("apollo_1", "Apollo");
    await rest.register("athena_1", "Athena");
    const results = await Promise.all([rest.requestRest("apollo_1"), rest.requestRest("apollo_1")]);
    expect(results.map((r) => r.reason_code)).toEqual(["covered", "already_resting"]);
  });

  it("prunes fatigue snapshots past the retention", async () => {
    const { rest, clock, fake } = await openService();
    await rest.register("ares_1", "Ares");
    await rest.reportFatigue("ares_1", { phi: 0.5, kappa: 60 });
    clock.advanceSeconds(7200);
    await rest.reportFatigue("ares_1", { phi: 0.5, kappa: 60 });
    expect(await rest.pruneFatigueSnapshots(3600)).toBe(1);
    expect(await fake.fatigueSnapshots({ kernelId: "ares_1" })).toHaveLength(1);
  });
});
