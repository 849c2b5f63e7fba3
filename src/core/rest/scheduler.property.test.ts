/**
 * Random sequences of register / fatigue / request (with and without a context) / end /
 * deregister / retire / constellation cycle start and end / clock advance, with every SPEC §3
 * invariant checked after every step, multi-partner coverage included: loads run high
 * enough that single partners often cannot carry a kernel and two share it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeScheduler } from "../../../test/support/rest-fixture.js";
import type { CycleType } from "../cycles/cycle-types.js";
import { AutonomicError } from "../errors.js";
import { kernelsNamedBy, type RestEvent } from "./events.js";
import { invariantViolations } from "./invariants.js";
import type { RestScheduler, SavedKernelState, StoredReport } from "./scheduler.js";

const GODS = [
  "Heart",
  "Ocean",
  "Hermes",
  "Zeus",
  "Athena",
  "Apollo",
  "Artemis",
  "Ares",
  "Hephaestus",
  "Aphrodite",
  "Hera",
  "Poseidon",
  "Hades",
  "Demeter",
  "Dionysus",
  "Persephone",
];
const CHAOS: [string, string | null][] = [
  ["chaos_focus_1", "Artemis"],
  ["chaos_focus_2", null],
  ["chaos_strategy_1", "Athena"],
  ["chaos_depth_1", "Ocean"],
];
const POOL = [...GODS.map((g): [string, string | null] => [g, null]), ...CHAOS];
const idAt = (i: number) => `k${i}`;

/** Most kernels registered up front, so requests meet partners, coverers and handoffs. */
const scenario = (maxSteps: number) =>
  fc.record({
    initial: fc.uniqueArray(fc.integer({ min: 0, max: 19 }), { minLength: 8, maxLength: 20 }),
    steps: fc.array(step, { minLength: Math.min(20, maxSteps), maxLength: maxSteps, size: "max" }),
  });

function start(initial: number[]) {
  const made = makeScheduler();
  for (const k of initial) apply(made.rest, made.clock, { op: "register", k });
  return made;
}

type Step =
  | { op: "register"; k: number }
  | { op: "fatigue"; k: number; phi: number; kappa: number; load: number; error: number }
  | { op: "tire"; k: number; level: number }
  | { op: "busy"; k: number; load: number }
  | { op: "garbage"; k: number; value: unknown }
  | { op: "request"; k: number; force: boolean; context: boolean }
  | { op: "cycle"; type: CycleType }
  | { op: "endCycle" }
  | { op: "end"; k: number }
  | { op: "deregister"; k: number }
  | { op: "retire"; k: number; force: boolean }
  | { op: "advance"; seconds: number };

const kernel = fc.integer({ min: 0, max: POOL.length - 1 });
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: kernel.map((k) => ({ op: "register" as const, k })) },
  // A monotone mix of low Φ, load, errors and κ off κ*, so fatigue spans its whole range.
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("tire" as const),
      k: kernel,
      level: fc.oneof(unit, fc.double({ min: 0.85, max: 1, noNaN: true })),
    }),
  },
  // Busy and tired enough to want rest (fatigue about 0.45–0.55), not too tired to cover: a
  // partner that may cover yet has too little room to carry a kernel alone.
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("busy" as const),
      k: kernel,
      load: fc.double({ min: 0.4, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("fatigue" as const),
      k: kernel,
      phi: unit,
      kappa: fc.double({ min: 0, max: 200, noNaN: true }),
      load: unit,
      error: unit,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("request" as const),
      k: kernel,
      force: fc.boolean(),
      context: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<CycleType>("sleep", "dream", "mushroom")
      .map((type) => ({ op: "cycle" as const, type })),
  },
  // Cycles end soon after they start: while one runs every kernel rests and little else happens.
  { weight: 4, arbitrary: fc.constant({ op: "endCycle" as const }) },
  { weight: 2, arbitrary: kernel.map((k) => ({ op: "end" as const, k })) },
  { weight: 1, arbitrary: kernel.map((k) => ({ op: "deregister" as const, k })) },
  // Retired kernels come back through "register" (the same id registers afresh).
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("retire" as const), k: kernel, force: fc.boolean() }),
  },
  // Telemetry that is not a number in range must be rejected and change nothing.
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("garbage" as const),
      k: kernel,
      value: fc.oneof(
        fc.constant(null),
        fc.constant(Number.NaN),
        fc.string(),
        fc.boolean(),
        fc.double({ min: 1.0001, max: 1e9 }),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1, max: 4000 }).map((seconds) => ({ op: "advance" as const, seconds })),
  },
);

function apply(rest: RestScheduler, clock: { advanceSeconds(s: number): void }, s: Step): void {
  switch (s.op) {
    case "register": {
      const [name, mentor] = POOL[s.k] as [string, string | null];
      rest.register(idAt(s.k), name, mentor);
      return;
    }
    case "fatigue":
      rest.reportFatigue(idAt(s.k), s.phi, s.kappa, s.load, s.error);
      return;
    case "tire": {
      const kappa = rest.config.kappaStar * (1 + 99 * s.level);
      rest.reportFatigue(idAt(s.k), 0.7 * (1 - s.level), kappa, s.level, s.level);
      return;
    }
    case "busy":
      rest.reportFatigue(idAt(s.k), 0.1, 2 * rest.config.kappaStar, s.load, 0);
      return;
    case "garbage":
      rest.reportFatigue(idAt(s.k), s.value as number, rest.config.kappaStar);
      return;
    case "request":
      rest.requestRest(idAt(s.k), { force: s.force, context: s.context ? { task: idAt(s.k) } : undefined });
      return;
    case "cycle":
      rest.startCycle(s.type, 900);
      return;
    case "endCycle":
      rest.endCycle();
      return;
    case "end":
      rest.endRest(idAt(s.k));
      return;
    case "deregister":
      rest.deregister(idAt(s.k));
      return;
    case "retire":
      rest.retire(idAt(s.k), s.force ? { force: true, reason: "property test" } : {});
      return;
    case "advance":
      clock.advanceSeconds(s.seconds);
      rest.tick();
      return;
  }
}

function grantViolations(rest: RestScheduler, events: RestEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.type === "coverage_started" && e.coverer_fatigue > rest.config.partnerMaxFatigue) {
      out.push(`${e.kernel_id} took cover of ${e.covering_for} at fatigue ${e.coverer_fatigue}`);
    }
    if (
      e.type === "rest_started" &&
      e.rest_type === "resting" &&
      rest.registry.gods.get(e.kernel_name)?.tier === "essential"
    ) {
      out.push(`essential ${e.kernel_id} granted RESTING`);
    }
  }
  return out;
}

describe("rest scheduler invariants under random operation sequences", () => {
  it("hold after every step, and a refused or rejected step changes nothing", () => {
    fc.assert(
      fc.property(scenario(80), ({ initial, steps }) => {
        const { rest, clock } = start(initial);
        const events: RestEvent[] = [];
        rest.subscribe((e) => events.push(e));
        for (const s of steps) {
          const before = JSON.stringify(rest.exportState());
          events.length = 0;
          try {
            apply(rest, clock, s);
          } catch (e) {
            expect(e).toBeInstanceOf(AutonomicError);
            expect(JSON.stringify(rest.exportState())).toBe(before);
          }
          const broken = [...invariantViolations(rest.states()), ...grantViolations(rest, events)];
          if (broken.length > 0) throw new Error(`after ${JSON.stringify(s)}: ${broken.join("; ")}`);
          const status = rest.constellation();
          expect(status.essential_active).toBe(
            rest.kernelStatuses().filter((k) => k.tier === "essential").length,
          );
        }
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it("restores to the same statuses from a saved state at any point", () => {
    fc.assert(
      fc.property(scenario(60), ({ initial, steps }) => {
        const { rest, clock } = start(initial);
        for (const s of steps) {
          try {
            apply(rest, clock, s);
          } catch {
            // refusals are part of the sequence
          }
        }
        const copy = makeScheduler();
        copy.clock.set(clock.now());
        copy.rest.loadState(JSON.parse(JSON.stringify(rest.exportState())));
        expect(copy.rest.kernelStatuses()).toEqual(rest.kernelStatuses());
        clock.advanceSeconds(1800);
        copy.clock.advanceSeconds(1800);
        expect(copy.rest.tick()).toEqual(rest.tick());
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it("restores the same state from rows saved at any checkpoints and the reports stored after them", () => {
    fc.assert(
      fc.property(scenario(60), fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }), (sc, saveRow) => {
        // A store as the rest service keeps one: a kernel's row saved with every event naming
        // it and after some reports only; every report stored; the count kept when one leaves.
        const { rest, clock } = makeScheduler();
        const rows = new Map<string, SavedKernelState>();
        const reports: StoredReport[] = [];
        let floor = 0;
        const events: RestEvent[] = [];
        rest.subscribe((e) => events.push(e));
        const steps: Step[] = [...sc.initial.map((k): Step => ({ op: "register", k })), ...sc.steps];
        for (const [i, s] of steps.entries()) {
          const seq = rest.reportSeq();
          events.length = 0;
          try {
            apply(rest, clock, s);
          } catch {
            // refusals are part of the sequence
          }
          for (const e of events)
            for (const id of kernelsNamedBy(e)) {
              const saved = rest.savedKernel(id);
              if (saved) rows.set(id, saved);
              else if (rows.delete(id)) floor = rest.reportSeq();
            }
          if (rest.reportSeq() > seq && "k" in s) {
            const k = rest.savedKernel(idAt(s.k)) as SavedKernelState;
            reports.push({
              ...{ kernel_id: k.kernelId, seq: k.reportSeq, at: k.lastReportAt, phi: k.phi, kappa: k.kappa },
              ...{ load: k.load, error_rate: k.errorRate, fatigue: k.fatigue },
            });
            if (saveRow[i % saveRow.length]) rows.set(k.kernelId, k);
          }
        }
        const copy = makeScheduler();
        copy.clock.set(clock.now());
        // Every report stored, an earlier kernel's under a reused id too: loadState picks.
        copy.rest.loadState(
          JSON.parse(
            JSON.stringify({
              kernels: [...rows.values()],
              chaosEverSpawned: rest.chaosEverSpawned(),
              reportSeq: floor,
              reports,
            }),
          ),
        );
        expect(copy.rest.exportState()).toEqual(rest.exportState());
        clock.advanceSeconds(1800);
        copy.clock.advanceSeconds(1800);
        expect(copy.rest.tick()).toEqual(rest.tick());
      }),
      { numRuns: 500 },
    );
  }, 120_000);

  it("hands a retiring coverer's coverage on, or ends that rest: the covered kernel is never left uncovered", () => {
    fc.assert(
      fc.property(scenario(60), ({ initial, steps }) => {
        const { rest, clock } = start(initial);
        for (const s of steps) {
          try {
            apply(rest, clock, s);
          } catch {
            // refusals are part of the sequence
          }
        }
        // Every coverer retires in turn, an essential one with force and a reason.
        const coverers = [...rest.states()].filter((k) => k.coveringFor !== null).map((k) => k.kernelId);
        for (const id of coverers.sort()) {
          const covered = rest.savedKernel(id)?.coveringFor ?? null;
          if (covered === null) continue; // its coverage already moved with an earlier retirement
          const restCount = rest.status(covered).rest_count;
          const { value } = rest.retire(id, { force: true, reason: "property test" });
          const [handoff] = value.handoffs;
          expect(value.handoffs).toHaveLength(1);
          const after = rest.status(covered);
          if (handoff?.outcome === "handed_off") {
            // Same rest, not a new one, now covered by the partner it was handed to.
            expect(after.is_resting).toBe(true);
            expect(after.rest_count).toBe(restCount);
            expect([after.covered_by, after.covered_also_by]).toContain(handoff.handed_to);
            expect(rest.status(handoff.handed_to as string)).toMatchObject({
              status: "active",
              covering_for: covered,
            });
          } else {
            expect(after).toMatchObject({ status: "active", rest_count: restCount + 1 });
          }
          expect(invariantViolations(rest.states())).toEqual([]);
        }
      }),
      { numRuns: 500 },
    );
  }, 120_000);

  it("never leaves a non-forced rest uncovered over time (coverage gap stays zero)", () => {
    fc.assert(
      fc.property(scenario(80), ({ initial, steps }) => {
        const { rest, clock } = start(initial);
        let gapSeconds = 0;
        for (const s of steps) {
          const uncovered = [...rest.states()].filter(
            (k) =>
              (k.status === "resting" || k.status === "micro_pause") &&
              !k.restForced &&
              k.restCycle === null &&
              k.coveredBy === null,
          ).length;
          if (s.op === "advance") gapSeconds += uncovered * s.seconds;
          try {
            apply(rest, clock, s);
          } catch {
            // refusals are part of the sequence
          }
        }
        expect(gapSeconds).toBe(0);
      }),
      { numRuns: 1000 },
    );
  }, 120_000);
});
