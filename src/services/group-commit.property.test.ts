/**
 * Group commit changes when writes reach the store, never what they do: any interleaving of
 * concurrent requests (grouped however the commits fall) ends in the same state, in memory
 * and in the store, as the same requests one at a time in their arrival order.
 */
import fc from "fast-check";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { T0, usersRegistry } from "../../test/support/rest-fixture.js";
import { ManualClock } from "../core/clock.js";
import { buildConfig } from "../core/config.js";
import { createFakeStore, FakeDatabase } from "../store/fake-store.js";
import type { Store } from "../store/store-types.js";
import { HealthService } from "./health-service.js";
import { RestService } from "./rest-service.js";

const logger = pino({ level: "silent" });
const GODS = ["Apollo", "Athena", "Hermes", "Heart", "Ares", "Artemis"];
const id = (god: string) => `${god.toLowerCase()}_1`;

type Op =
  | { kind: "register"; god: string }
  | { kind: "fatigue"; god: string; phi: number; kappa: number; load: number }
  | { kind: "request"; god: string }
  | { kind: "end"; god: string }
  | { kind: "snapshot"; god: string; phi: number; basin: number[] };

const god = fc.constantFrom(...GODS);
/** Requests, fatigue reports weighing `fatigueWeight` against 1 for each other kind. */
const opWith = (fatigueWeight: number): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({ kind: fc.constant("register" as const), god }),
    {
      weight: fatigueWeight,
      arbitrary: fc.record({
        kind: fc.constant("fatigue" as const),
        god,
        phi: fc.double({ min: 0, max: 1, noNaN: true }),
        kappa: fc.double({ min: 30, max: 90, noNaN: true }),
        load: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
    },
    fc.record({ kind: fc.constant("request" as const), god }),
    fc.record({ kind: fc.constant("end" as const), god }),
    fc.record({
      kind: fc.constant("snapshot" as const),
      god,
      phi: fc.double({ min: 0, max: 1, noNaN: true }),
      basin: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 4, maxLength: 4 }),
    }),
  );

/**
 * Services on a fake store whose commits take `delays[i]` macrotask turns, so concurrent
 * requests pile up behind a commit in flight and group in ways that vary from run to run.
 */
async function open(delays: number[], inFlight = 1) {
  const database = new FakeDatabase();
  const fake = createFakeStore(database);
  let n = 0;
  const pause = async () => {
    const turns = delays[n++ % Math.max(1, delays.length)] ?? 0;
    for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  };
  const store: Store = Object.assign(Object.create(fake), {
    // Groups commit side by side only on PostgreSQL (writes.maxGroupsInFlight).
    ...(inFlight > 1 ? { backend: "postgres" } : {}),
    commit: async (change: Parameters<Store["commit"]>[0]) => {
      await pause();
      return fake.commit(change);
    },
    commitSnapshots: async (...args: Parameters<Store["commitSnapshots"]>) => {
      await pause();
      return fake.commitSnapshots(...args);
    },
  });
  // The clock stands still: the same requests see the same times however they are grouped.
  const clock = new ManualClock(T0);
  // A kernel's row every 3 reports: checkpoints fall inside groups as well as between them.
  const config = buildConfig({ writes: { maxGroupsInFlight: inFlight, kernelCheckpointReports: 3 } });
  const rest = await RestService.open({ registry: usersRegistry(), config, store, clock, logger });
  const health = await HealthService.open({
    config,
    store,
    clock,
    logger,
    directiveFor: (k) => rest.directive(k),
  });
  return { rest, health, fake, config, clock };
}

type Services = Awaited<ReturnType<typeof open>>;

/** Runs one request; a refusal is an outcome too (its error message), never a thrown test. */
function run(s: Services, o: Op): Promise<unknown> {
  const k = id(o.god);
  const call = (): Promise<unknown> => {
    switch (o.kind) {
      case "register":
        return s.rest.register(k, o.god);
      case "fatigue":
        return s.rest.reportFatigue(k, { phi: o.phi, kappa: o.kappa, load: o.load });
      case "request":
        return s.rest.requestRest(k);
      case "end":
        return s.rest.endRest(k);
      case "snapshot":
        // The directive is a read of the rest service, whose own queue may have moved on
        // meanwhile: each service keeps its own arrival order, not an order across both.
        return s.health
          .ingest({ kernel_id: k, phi: o.phi, kappa_eff: 64, basin_coords: o.basin })
          .then(({ directive: _, ...ack }) => ack);
    }
  };
  return call().then(
    (value) => ({ ok: JSON.parse(JSON.stringify(value)) }),
    (err: Error) => ({ refused: err.message }),
  );
}

/** Kernels by id: a restore lists kernels registered in the same clock ms by id. */
const byId = <K extends { kernel_id: string }>(kernels: K[]) =>
  [...kernels].sort((a, b) => a.kernel_id.localeCompare(b.kernel_id));

/** A stored row without its id: the fake numbers rows across tables, so ids follow commit grouping. */
const withoutId = <R extends object>(rows: R[]) =>
  rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== "id")));

/**
 * Everything a request could have changed: memory and the stored rows. With commits side by
 * side, groups on different kernels may land in either order, so fatigue rows are compared
 * kernel by kernel (the order each kernel's own reports must keep).
 */
async function state(s: Services, perKernel = false) {
  const fatigue = await s.fake.fatigueSnapshots({ limit: 10_000 });
  return {
    kernels: s.rest.kernels(),
    health: s.health.constellation(),
    restEvents: withoutId(await s.fake.restEvents({ limit: 10_000 })),
    coverage: withoutId(await s.fake.coverageEvents({ limit: 10_000 })),
    // A stable sort keeps each kernel's rows in their stored order.
    fatigue: perKernel ? fatigue.sort((a, b) => a.kernel_id.localeCompare(b.kernel_id)) : fatigue,
    snapshots: withoutId(await s.fake.snapshots({ limit: 1000 })),
    baselines: await s.fake.loadBaselines(),
    reloaded: (await s.fake.loadRestState()).kernels.length,
    // What a restart restores: the rows (checkpoints) with the reports stored since folded in.
    restored: byId(
      (await RestService.open({ ...s, registry: usersRegistry(), store: s.fake, logger })).kernels(),
    ),
  };
}

describe("group commit", () => {
  it.each([
    { inFlight: 1, side: "one commit at a time" },
    { inFlight: 3, side: "up to three commits in flight, finishing in any order" },
  ])(
    "ends any interleaving of concurrent requests in the state of the same requests in arrival order ($side)",
    async ({ inFlight }) => {
      let grouped = 0;
      let overlapped = 0;
      await fc.assert(
        fc.asyncProperty(
          // Side by side, only fatigue reports on registered kernels overlap: more of them.
          inFlight > 1
            ? fc
                .array(opWith(10), { minLength: 1, maxLength: 40 })
                .map((ops) => [...GODS.map((g): Op => ({ kind: "register", god: g })), ...ops])
            : fc.array(opWith(1), { minLength: 1, maxLength: 40 }),
          fc.array(fc.nat(3), { minLength: 1, maxLength: 8 }),
          // One commit at a time: all at once (the most grouping); side by side: spread over turns.
          fc.array(fc.nat(inFlight > 1 ? 1 : 0), { minLength: 1, maxLength: 8 }),
          async (ops, delays, gaps) => {
            const one = await open([0]);
            const sequential: unknown[] = [];
            for (const o of ops) sequential.push(await run(one, o));

            const many = await open(delays, inFlight);
            // Requests arrive in order, some in the same turn and some a turn or two apart, so
            // later ones find commits in flight.
            const answers: Promise<unknown>[] = [];
            for (const [i, o] of ops.entries()) {
              for (let t = 0; t < (gaps[i % gaps.length] ?? 0); t++)
                await new Promise((r) => setImmediate(r));
              answers.push(run(many, o));
            }
            const concurrent = await Promise.all(answers);
            await Promise.all([many.rest.drain(), many.health.drain()]);

            expect(concurrent).toEqual(sequential);
            const after = await state(many, inFlight > 1);
            expect(after).toEqual(await state(one, inFlight > 1));
            expect(after.restored).toEqual(byId(after.kernels));
            const { groups, writes } = many.rest.writeStats();
            const health = many.health.writeStats();
            if (groups < writes || health.groups < health.writes) grouped++;
            if (many.rest.writeStats().overlapped > 0) overlapped++;
          },
        ),
        { numRuns: inFlight > 1 ? 200 : 60 },
      );
      // The property was tested on real groups: many runs shared transactions.
      // The property was tested on real groups (many runs shared transactions) and, with
      // commits side by side allowed, on commits that really overlapped.
      expect(grouped).toBeGreaterThan(inFlight > 1 ? 3 : 10);
      if (inFlight > 1) expect(overlapped).toBeGreaterThan(10);
    },
    // Hundreds of runs of up to 46 requests each: seconds on a busy machine.
    60_000,
  );
});
