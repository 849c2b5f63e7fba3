import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { usersRegistry } from "../../test/support/rest-fixture.js";
import { ManualClock } from "../core/clock.js";
import { buildConfig } from "../core/config.js";
import type { CycleEvent } from "../core/cycles/cycle-events.js";
import { ConflictError, InvalidInputError } from "../core/errors.js";
import { createFakeStore, FakeDatabase } from "../store/fake-store.js";
import { openServices } from "./open-services.js";

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const KAPPA_STAR = 64.21;
const logger = pino({ level: "silent" });
/** Two essential gods (Heart, Ocean) and two specialised ones. */
const GODS = ["Apollo", "Athena", "Heart", "Ocean"] as const;
const idOf = (god: string) => `${god.toLowerCase()}_1`;
const oneHot = (i: number) => [0, 1, 2, 3].map((j) => (j === i % 4 ? 1 : 0));

async function open(database = new FakeDatabase(), clock = new ManualClock(T0)) {
  const services = await openServices({
    config: buildConfig(),
    store: createFakeStore(database),
    clock,
    logger,
    registry: usersRegistry(),
  });
  const events: CycleEvent[] = [];
  services.cycles.events.subscribe((e) => events.push(e));
  const rows = async (kind: "decision" | "vote" | "cycle") => services.cycles.history({ kind, limit: 1000 });
  const statusOf = (id: string) => services.rest.status(id).status;
  const tick = () => services.cycles.tick();
  return { ...services, database, clock, events, rows, statusOf, tick };
}
type Harness = Awaited<ReturnType<typeof open>>;

async function registerGods(h: Harness): Promise<void> {
  for (const god of GODS) await h.rest.register(idOf(god), god);
}

/**
 * SLEEP's telemetry: each kernel's basin has moved a full π from its baseline onto another
 * kernel's (drift π > 3.0, coherence 1/3 < 0.5), and fatigue ≈ 0.95 (Φ just fell from 1 to 0,
 * κ far from κ*, full load and errors).
 */
async function exhaust(h: Harness): Promise<void> {
  for (const [i, god] of GODS.entries()) {
    const id = idOf(god);
    await h.health.ingest({ kernel_id: id, phi: 0.5, kappa_eff: KAPPA_STAR, basin_coords: oneHot(i) });
    await h.health.ingest({ kernel_id: id, phi: 0.5, kappa_eff: KAPPA_STAR, basin_coords: oneHot(i + 1) });
    await h.rest.reportFatigue(id, { phi: 1, kappa: KAPPA_STAR });
    await h.rest.reportFatigue(id, { phi: 0, kappa: 10_000, load: 1, error_rate: 1 });
  }
}

/** Rested: Φ at the fatigue floor, κ at κ*, no load: fatigue ≈ 0. */
async function rest(h: Harness): Promise<void> {
  for (const god of GODS) await h.rest.reportFatigue(idOf(god), { phi: 0.8, kappa: KAPPA_STAR });
}

const vote = (voter: string, yes: boolean, cycle_type = "sleep") => ({
  voter,
  cycle_type,
  vote: yes,
  reasoning: `${voter} says ${yes ? "yes" : "no"} in the test`,
});

describe("constellation cycle consensus", () => {
  it("starts SLEEP from telemetry when both votes say yes: essential kernels REDUCED, the others RESTING", async () => {
    const h = await open();
    await registerGods(h);
    await exhaust(h);
    expect(h.cycles.metrics()).toMatchObject({ kernels: 4, coherence: expect.closeTo(1 / 3, 6) });

    const decision = await h.tick();
    expect(decision).toMatchObject({ cycle_type: "sleep", started: true });
    expect(decision?.votes.heart).toMatchObject({ vote: true, source: "telemetry" });
    expect(decision?.votes.ocean).toMatchObject({ vote: true, source: "telemetry" });
    expect(GODS.map((g) => h.statusOf(idOf(g)))).toEqual(["resting", "resting", "reduced", "reduced"]);
    expect(h.rest.cycleKernels()).toEqual(["apollo_1", "athena_1", "heart_1", "ocean_1"]);
    expect(h.cycles.active()).toEqual({ cycle_type: "sleep", started_at: T0, planned_until: T0 + 1800_000 });

    const [cycle] = await h.rows("cycle");
    expect(cycle).toMatchObject({ cycle_type: "sleep", started_at: T0, ended_at: null });
    expect((cycle?.detail as { start: { kernels: unknown[] } } | undefined)?.start.kernels).toContainEqual({
      kernel_id: "heart_1",
      rest_mode: "reduced",
    });
    expect(h.events.map((e) => e.type)).toEqual(["cycle_decision", "cycle_started"]);
  });

  it("lets a cast no from Ocean override its telemetry yes, so SLEEP does not start", async () => {
    const h = await open();
    await registerGods(h);
    await exhaust(h);
    await h.cycles.castVote(vote("ocean", false));

    const decision = await h.tick();
    expect(decision).toMatchObject({ cycle_type: "sleep", started: false });
    expect(decision?.votes.ocean).toMatchObject({ vote: false, source: "cast" });
    expect(decision?.votes.heart).toMatchObject({ vote: true, source: "telemetry" });
    expect(decision?.reason).toContain("Ocean (cast) votes no");
    expect(h.rest.cycleKernels()).toEqual([]);
  });

  it("starts a cycle on two cast yes votes that telemetry alone would not, and not on one", async () => {
    const h = await open();
    await registerGods(h);
    await rest(h);
    await h.cycles.castVote(vote("Heart", true));
    const one = await h.tick();
    expect(one).toMatchObject({ cycle_type: "sleep", started: false });
    expect(one?.reason).toContain("Ocean (telemetry) votes no");
    expect(h.cycles.active()).toBeNull();

    await h.cycles.castVote(vote("Ocean", true));
    const both = await h.tick();
    expect(both).toMatchObject({ cycle_type: "sleep", started: true });
    expect(both?.votes.ocean.reasoning).toContain("Ocean says yes in the test");
    expect(h.statusOf("apollo_1")).toBe("resting");
  });

  it("forgets a cast vote once castVoteTtlSeconds have passed, and telemetry speaks again", async () => {
    const h = await open();
    await registerGods(h);
    await rest(h);
    const cast = await h.cycles.castVote(vote("Heart", true));
    await h.cycles.castVote(vote("Ocean", true));
    expect(cast.expires_at).toBe(T0 + 600_000);
    expect(h.cycles.status().votes).toHaveLength(2);

    h.clock.advanceSeconds(600);
    expect(h.cycles.status().votes).toEqual([]);
    const decision = await h.tick();
    expect(decision).toMatchObject({ cycle_type: null, started: false });
    expect(decision?.votes.heart.source).toBe("telemetry");
  });

  it("holds a cycle type back for its cooldown after it ended", async () => {
    const h = await open();
    await registerGods(h);
    await exhaust(h);
    await h.tick();
    h.clock.advanceSeconds(60);
    await h.cycles.endActive("testing the cooldown");

    h.clock.advanceSeconds(299);
    const cooling = await h.tick();
    expect(cooling).toMatchObject({ cycle_type: "sleep", started: false });
    expect(cooling?.checks[0]).toMatchObject({ outcome: "cooling_down", cooldown_remaining_seconds: 1 });
    expect(h.cycles.status().cooldowns.sleep.remaining_seconds).toBe(1);

    h.clock.advanceSeconds(1);
    expect(await h.tick()).toMatchObject({ cycle_type: "sleep", started: true });
  });

  it("ends SLEEP by condition once average fatigue is below 0.4, waking every kernel", async () => {
    const h = await open();
    await registerGods(h);
    await exhaust(h);
    await h.tick();
    h.clock.advanceSeconds(120);
    expect(await h.tick()).toBeNull();
    expect(h.cycles.active()).not.toBeNull();

    await rest(h);
    h.clock.advanceSeconds(60);
    expect(await h.tick()).toBeNull();
    expect(h.cycles.active()).toBeNull();
    expect(GODS.map((g) => h.statusOf(idOf(g)))).toEqual(["active", "active", "active", "active"]);
    const ended = h.events.find((e) => e.type === "cycle_ended");
    expect(ended).toMatchObject({ cycle_type: "sleep", by: "condition", duration_seconds: 180 });
    const [cycle] = await h.rows("cycle");
    expect(cycle?.ended_at).toBe(T0 + 180_000);
    expect((cycle?.detail as { end: { by: string; woken: string[] } } | undefined)?.end).toMatchObject({
      by: "condition",
      woken: ["apollo_1", "athena_1", "heart_1", "ocean_1"],
    });
  });

  it("ends a cycle by length after its maxLengthSeconds, however the metrics stand", async () => {
    const h = await open();
    await registerGods(h);
    await exhaust(h);
    await h.tick();
    h.clock.advanceSeconds(1799);
    await h.tick();
    expect(h.cycles.active()?.cycle_type).toBe("sleep");

    h.clock.advanceSeconds(1);
    await h.tick();
    expect(h.cycles.active()).toBeNull();
    expect(h.events.at(-1)).toMatchObject({ type: "cycle_ended", by: "length", duration_seconds: 1800 });
    expect(h.statusOf("heart_1")).toBe("active");
  });

  it("records a decision only when its type, start or either vote's yes/no or source changes", async () => {
    const h = await open();
    await registerGods(h);
    await rest(h);
    for (let i = 0; i < 3; i++) {
      await h.tick();
      h.clock.advanceSeconds(60);
      await rest(h);
    }
    expect(await h.rows("decision")).toHaveLength(1);

    await h.cycles.castVote(vote("Heart", true));
    await h.tick();
    h.clock.advanceSeconds(60);
    await h.tick();
    const decisions = await h.rows("decision");
    expect(decisions.map((d) => d.cycle_type)).toEqual(["sleep", "none"]);
    expect(await h.rows("vote")).toHaveLength(1);
    expect(h.events.filter((e) => e.type === "cycle_decision")).toHaveLength(2);
  });

  it("comes back after a restart with the running cycle, its kernels' rests, live votes and cooldowns", async () => {
    const first = await open();
    await registerGods(first);
    await rest(first);
    await first.cycles.castVote(vote("Heart", true));
    await first.cycles.castVote(vote("Ocean", true));
    await first.tick();
    first.clock.advanceSeconds(30);

    const second = await open(first.database, first.clock);
    expect(second.cycles.active()).toEqual({
      cycle_type: "sleep",
      started_at: T0,
      planned_until: T0 + 1800_000,
    });
    expect(second.rest.cycleKernels()).toEqual(["apollo_1", "athena_1", "heart_1", "ocean_1"]);
    expect(second.statusOf("ocean_1")).toBe("reduced");
    expect(second.cycles.status().votes.map((v) => [v.voter, v.vote, v.at])).toEqual([
      ["Heart", true, T0],
      ["Ocean", true, T0],
    ]);
    expect(second.cycles.status().last_decision).toMatchObject({ cycle_type: "sleep", started: true });

    await second.cycles.endActive("restart test");
    const third = await open(first.database, first.clock);
    expect(third.cycles.active()).toBeNull();
    expect(third.cycles.status().cooldowns.sleep).toMatchObject({
      remaining_seconds: 300,
      last_ended_at: T0 + 30_000,
    });
    // Live votes still say yes, but SLEEP cools down: nothing starts.
    expect(await third.tick()).toMatchObject({
      started: false,
      reason: expect.stringContaining("cooling down"),
    });
  });

  it("refuses to end a cycle when none runs, and a bad vote naming its field, writing nothing", async () => {
    const h = await open();
    await registerGods(h);
    await expect(h.cycles.endActive("nothing runs")).rejects.toBeInstanceOf(ConflictError);
    const bad = h.cycles.castVote({ ...vote("Zeus", true) });
    await expect(bad).rejects.toBeInstanceOf(InvalidInputError);
    await expect(bad).rejects.toMatchObject({ field: "voter" });
    await expect(h.cycles.castVote({ ...vote("Heart", true), cycle_type: "nap" })).rejects.toMatchObject({
      field: "cycle_type",
    });
    expect(await h.cycles.history({ limit: 1000 })).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it("counts kernels that only report fatigue for fatigue, and snapshot-only kernels for basins", async () => {
    const h = await open();
    await h.rest.register("apollo_1", "Apollo");
    await h.rest.reportFatigue("apollo_1", { phi: 0, kappa: 10_000, load: 1, error_rate: 1 });
    await h.health.ingest({
      kernel_id: "worker_7",
      phi: 0.5,
      kappa_eff: KAPPA_STAR,
      basin_coords: oneHot(0),
    });
    const m = h.cycles.metrics();
    expect(m.kernels).toBe(2);
    expect(m.measured).toMatchObject({ fatigue: 1, basins: 1, drift: 1 });
    expect(m.average_fatigue).toBeCloseTo(h.rest.status("apollo_1").fatigue_score, 12);
  });

  it("judges stuck kernels over one fatigue sample per report, not per consensus run", async () => {
    const h = await open();
    await h.rest.register("apollo_1", "Apollo");
    // Ten fatigue reports (≈ 0.7 > 0.5) and ten snapshots of flat Φ, with no consensus run between.
    for (let i = 0; i < 10; i++) {
      await h.rest.reportFatigue("apollo_1", { phi: 0, kappa: 10_000, load: 1, error_rate: 1 });
      await h.health.ingest({ kernel_id: "apollo_1", phi: 0.4, kappa_eff: KAPPA_STAR });
    }
    const m = h.cycles.metrics();
    expect(m.measured.stuck).toBe(1);
    expect(m.stuck_kernels).toEqual(["apollo_1"]);
  });
});
