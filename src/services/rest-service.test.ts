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
  it("commits both coverers' states when two partners share a rest", async () => {
    const { rest, commits } = await openService();
    for (const [id, god] of [
      ["apollo_1", "Apollo"],
      ["athena_1", "Athena"],
      ["hermes_1", "Hermes"],
      ["artemis_1", "Artemis"],
    ])
      await rest.register(id, god);
    // Apollo's carried load (0.5) fits neither Athena's room (0.3) nor Artemis's (0.2) alone.
    for (const [id, load] of [
      ["apollo_1", 1],
      ["athena_1", 0.7],
      ["hermes_1", 0.95],
      ["artemis_1", 0.8],
    ] as const)
      await rest.reportFatigue(id, { phi: 0.7, kappa: 64.21, load });
    commits.length = 0;
    const result = await rest.requestRest("apollo_1");
    expect(result.reason_code).toBe("shared_coverage");
    const saved = commits[0]?.kernels.map((k) => [k.kernelId, k.coveringFor]).sort();
    expect(saved).toEqual([
      ["apollo_1", null],
      ["artemis_1", "apollo_1"],
      ["athena_1", "apollo_1"],
    ]);
  });

  it("hands a rest's context to the scheduler, and refuses an oversized one naming context, committing nothing", async () => {
    const { rest, commits } = await openService();
    await rest.register("apollo_1", "Apollo");
    await rest.register("athena_1", "Athena");
    commits.length = 0;
    const tooBig = "x".repeat(buildConfig().rest.contextMaxBytes);
    await expect(rest.requestRest("apollo_1", false, { context: tooBig })).rejects.toMatchObject({
      field: "context",
    });
    expect(commits).toEqual([]);
    await rest.requestRest("apollo_1", false, { context: { task: "essay", step: 3 } });
    expect(rest.scheduler.contextFor("athena_1").covering).toEqual({ task: "essay", step: 3 });
  });

  it("commits a cycle's rows with the rests it starts and ends, each in one transaction", async () => {
    const { rest, commits, fake, clock } = await openService();
    await rest.register("apollo_1", "Apollo");
    await rest.register("heart_1", "Heart");
    commits.length = 0;
    const record = {
      kind: "cycle" as const,
      cycle_type: "sleep",
      started_at: clock.now(),
      ended_at: null,
      reason: "both yes",
      detail: { n: 1 },
    };
    const kernels = await rest.startCycle("sleep", 1800, (modes) => ({ ...record, detail: { modes } }));
    expect(kernels).toEqual([
      { kernel_id: "apollo_1", rest_mode: "resting" },
      { kernel_id: "heart_1", rest_mode: "reduced" },
    ]);
    expect(commits).toHaveLength(1);
    expect(commits[0]?.cycleRecords).toEqual([{ ...record, detail: { modes: kernels } }]);
    expect(commits[0]?.kernels.map((k) => k.restCycle)).toEqual(["sleep", "sleep"]);
    expect((await fake.openCycle())?.reason).toBe("both yes");

    clock.advanceSeconds(60);
    const woken = await rest.endCycle((ids) => ({ ended_at: clock.now(), detail: { woken: ids } }));
    expect(woken).toEqual(["apollo_1", "heart_1"]);
    expect(commits).toHaveLength(2);
    expect(commits[1]?.events.filter((e) => e.type === "rest_ended")).toHaveLength(2);
    expect(await fake.openCycle()).toBeNull();
    const [closed] = await fake.constellationCycles({ kind: "cycle" });
    expect(closed).toMatchObject({ ended_at: clock.now(), detail: { woken: ["apollo_1", "heart_1"] } });
  });

  it("does not start a cycle whose commit failed: no kernel rests and no row is kept", async () => {
    const { rest, fake, clock } = await openService();
    await rest.register("apollo_1", "Apollo");
    fake.failNextCommit(new Error("disk full"));
    const record = {
      kind: "cycle" as const,
      cycle_type: "dream",
      started_at: clock.now(),
      ended_at: null,
      reason: "r",
      detail: {},
    };
    await expect(rest.startCycle("dream", 600, record)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(rest.cycleKernels()).toEqual([]);
    expect(rest.status("apollo_1").status).toBe("active");
    expect(await fake.constellationCycles()).toEqual([]);
  });

  it("publishes each fatigue report after its commit, and not one whose commit failed", async () => {
    const { rest, fake } = await openService();
    await rest.register("ares_1", "Ares");
    const reports: number[] = [];
    rest.fatigueReports.subscribe((s) => reports.push(s.phi));
    await rest.reportFatigue("ares_1", { phi: 0.5, kappa: 60 });
    fake.failNextCommit(new Error("disk full"));
    await expect(rest.reportFatigue("ares_1", { phi: 0.4, kappa: 60 })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(reports).toEqual([0.5]);
  });
});
