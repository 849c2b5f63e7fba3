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
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("register" as const), god }),
  fc.record({
    kind: fc.constant("fatigue" as const),
    god,
    phi: fc.double({ min: 0, max: 1, noNaN: true }),
    kappa: fc.double({ min: 30, max: 90, noNaN: true }),
    load: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
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
async function open(delays: number[]) {
  const database = new FakeDatabase();
  const fake = createFakeStore(database);
  let n = 0;
  const pause = async () => {
    const turns = delays[n++ % Math.max(1, delays.length)] ?? 0;
    for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  };
  const store: Store = Object.assign(Object.create(fake), {
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
  const config = buildConfig();
  const rest = await RestService.open({ registry: usersRegistry(), config, store, clock, logger });
  const health = await HealthService.open({
    config,
    store,
    clock,
    logger,
    directiveFor: (k) => rest.directive(k),
  });
  return { rest, health, fake };
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

/** A stored row without its id: the fake numbers rows across tables, so ids follow commit grouping. */
const withoutId = <R extends object>(rows: R[]) =>
  rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== "id")));

/** Everything a request could have changed: memory and the stored rows. */
async function state(s: Services) {
  return {
    kernels: s.rest.kernels(),
    health: s.health.constellation(),
    restEvents: withoutId(await s.fake.restEvents({ limit: 10_000 })),
    coverage: withoutId(await s.fake.coverageEvents({ limit: 10_000 })),
    fatigue: await s.fake.fatigueSnapshots({ limit: 10_000 }),
    snapshots: withoutId(await s.fake.snapshots({ limit: 1000 })),
    baselines: await s.fake.loadBaselines(),
    reloaded: (await s.fake.loadRestState()).kernels.length,
  };
}

describe("group commit", () => {
  it("ends any interleaving of concurrent requests in the state of the same requests in arrival order", async () => {
    let grouped = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 8 }),
        async (ops, delays) => {
          const one = await open([0]);
          const sequential: unknown[] = [];
          for (const o of ops) sequential.push(await run(one, o));

          const many = await open(delays);
          const concurrent = await Promise.all(ops.map((o) => run(many, o)));
          await Promise.all([many.rest.drain(), many.health.drain()]);

          expect(concurrent).toEqual(sequential);
          expect(await state(many)).toEqual(await state(one));
          const { groups, writes } = many.rest.writeStats();
          const health = many.health.writeStats();
          if (groups < writes || health.groups < health.writes) grouped++;
        },
      ),
      { numRuns: 60 },
    );
    // The property was tested on real groups: many runs shared transactions.
    expect(grouped).toBeGreaterThan(10);
  });
});
