/**
 * restQuality against every backend (SQLite file, PostgreSQL database, in-memory fake), over
 * rests with hand-picked metrics whose means are worked out below: finished rests only, per
 * kernel then overall, by kernel and since.
 */
import { describe, expect, it } from "vitest";
import { T0 } from "../../test/support/rest-fixture.js";
import { freshStorePerTest, storeBackends } from "../../test/support/store-backends.js";
import type { RestEvent } from "../core/rest/events.js";
import type { RestQualityRow, RestStore } from "./store-types.js";

const BACKENDS = storeBackends("autonomic-rest-quality-");

interface Measures {
  fatigue: number;
  phi: number;
  kappa: number;
}

/** A rest's start and, with `after`, its end `seconds` later: the events a scheduler emits. */
function restEventsOf(kernel: string, at: number, seconds: number, before: Measures, after?: Measures) {
  const name = kernel.replace(/_1$/, "");
  const common = { kernel_id: kernel, kernel_name: name, rest_type: "resting", covered_by: null } as const;
  const shared = { ...common, covered_also_by: null, forced: false, cycle: null };
  const events: RestEvent[] = [
    {
      ...{ type: "rest_started", at, ...shared, reason: "tired", reason_code: "covered" },
      ...{ planned_until: at + 600_000, ...before, threshold: 0.45, has_context: false },
    },
  ];
  if (after === undefined) return events;
  const recovery_per_minute = (before.fatigue - after.fatigue) / (seconds / 60);
  events.push({
    ...{
      type: "rest_ended",
      at: at + seconds * 1000,
      ...shared,
      cause: "requested",
      duration_seconds: seconds,
    },
    ...{ fatigue_at_rest: before.fatigue, phi_at_rest: before.phi, kappa_at_rest: before.kappa },
    ...{ fatigue_after: after.fatigue, phi_after: after.phi, kappa_after: after.kappa },
    ...{
      recovery_per_minute,
      recovery_fraction: 1 - after.fatigue / before.fatigue,
      context_returned: false,
    },
  });
  return events;
}

async function commitRests(store: RestStore, ...rests: RestEvent[][]): Promise<void> {
  for (const events of rests) await store.commit({ kernels: [], removedKernelIds: [], events });
}

// Apollo rests twice, Athena once and then again without finishing.
const APOLLO_1 = restEventsOf(
  "apollo_1",
  T0,
  120,
  { fatigue: 0.75, phi: 0.5, kappa: 60 },
  { fatigue: 0.25, phi: 0.75, kappa: 64 },
); // 0.5 removed in 2 min: 0.25 a minute
const ATHENA_1 = restEventsOf(
  "athena_1",
  T0 + 300_000,
  60,
  { fatigue: 1, phi: 0.5, kappa: 64 },
  { fatigue: 0.25, phi: 0.625, kappa: 63 },
); // 0.75 a minute
const APOLLO_2 = restEventsOf(
  "apollo_1",
  T0 + 600_000,
  240,
  { fatigue: 0.5, phi: 0.25, kappa: 56 },
  { fatigue: 0.25, phi: 0.5, kappa: 62 },
); // 0.0625 a minute
const ATHENA_UNFINISHED = restEventsOf("athena_1", T0 + 900_000, 0, { fatigue: 0.875, phi: 0.25, kappa: 50 });

/** A quality row with every mean compared to 10 decimals (the databases sum in their own order). */
function quality(kernel_id: string | null, rests: number, means: number[]): RestQualityRow {
  const [d, fa, ff, pa, pf, ka, kf, r] = means.map((m) => expect.closeTo(m, 10) as number);
  return {
    ...{ kernel_id, rests, mean_duration_seconds: d, mean_fatigue_at_rest: fa, mean_fatigue_after: ff },
    ...{ mean_phi_at_rest: pa, mean_phi_after: pf, mean_kappa_at_rest: ka, mean_kappa_after: kf },
    mean_recovery_per_minute: r,
  } as RestQualityRow;
}

//                 duration, fatigue at, after, phi at, after, kappa at, after, recovery/min
const APOLLO = quality("apollo_1", 2, [180, 0.625, 0.25, 0.375, 0.625, 58, 63, (0.25 + 0.0625) / 2]);
const ATHENA = quality("athena_1", 1, [60, 1, 0.25, 0.5, 0.625, 64, 63, 0.75]);
const NONE = quality(null, 0, [0, 0, 0, 0, 0, 0, 0, 0]);

for (const backend of BACKENDS) {
  describe(`${backend.name} store: rest quality`, () => {
    const open = freshStorePerTest(backend);

    it("averages finished rests per kernel in kernel order, then over all of them, leaving out unfinished ones", async () => {
      const store = await open();
      await commitRests(store, ATHENA_1, APOLLO_1, APOLLO_2, ATHENA_UNFINISHED);
      expect(await store.restQuality()).toEqual([
        APOLLO,
        ATHENA,
        quality(null, 3, [420 / 3, 2.25 / 3, 0.75 / 3, 1.25 / 3, 1.875 / 3, 180 / 3, 189 / 3, 1.0625 / 3]),
      ]);
    });

    it("counts only rests started at or after sinceMs", async () => {
      const store = await open();
      await commitRests(store, APOLLO_1, ATHENA_1, APOLLO_2, ATHENA_UNFINISHED);
      expect(await store.restQuality({ sinceMs: T0 + 300_000 })).toEqual([
        quality("apollo_1", 1, [240, 0.5, 0.25, 0.25, 0.5, 56, 62, 0.0625]),
        ATHENA,
        quality(null, 2, [150, 0.75, 0.25, 0.375, 0.5625, 60, 62.5, (0.0625 + 0.75) / 2]),
      ]);
      expect(await store.restQuality({ sinceMs: T0 + 600_001 })).toEqual([NONE]);
    });

    it("gives one kernel's row and the overall row of that kernel alone", async () => {
      const store = await open();
      await commitRests(store, APOLLO_1, ATHENA_1, APOLLO_2, ATHENA_UNFINISHED);
      expect(await store.restQuality({ kernelId: "athena_1" })).toEqual([
        ATHENA,
        { ...ATHENA, kernel_id: null },
      ]);
      expect(await store.restQuality({ kernelId: "athena_1", sinceMs: T0 + 600_000 })).toEqual([NONE]);
      expect(await store.restQuality({ kernelId: "hermes_1" })).toEqual([NONE]);
    });

    it("answers only an overall row of zeros until a rest finishes, and counts it once it does", async () => {
      const store = await open();
      expect(await store.restQuality()).toEqual([NONE]);
      const [start, end] = ATHENA_1;
      await commitRests(store, [start as RestEvent]);
      expect(await store.restQuality()).toEqual([NONE]);
      await commitRests(store, [end as RestEvent]);
      expect(await store.restQuality()).toEqual([ATHENA, { ...ATHENA, kernel_id: null }]);
    });
  });
}
