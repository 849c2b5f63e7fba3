/**
 * The health service on the fake store: what it commits (one transaction per snapshot or
 * batch, the baseline with the first basin), what a failed commit leaves behind (nothing
 * acknowledged, nothing remembered, no event), and what a reopened service restores.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { KAPPA_STAR, T0 } from "../../test/support/health-fixture.js";
import { ManualClock } from "../core/clock.js";
import { type AutonomicConfig, buildConfig, type DeepPartial } from "../core/config.js";
import { InvalidInputError, StoreUnavailableError } from "../core/errors.js";
import type { Directive } from "../core/rest/directive.js";
import { createFakeStore, FakeDatabase } from "../store/fake-store.js";
import type { HealthStore, SnapshotExtras, StoredHealthSnapshot } from "../store/health-store-types.js";
import { type HealthEvent, HealthService } from "./health-service.js";

const logger = pino({ level: "silent" });
const DIM = 64;

const DIRECTIVE: Directive = {
  rest: { status: "unregistered", should_rest: false, reason: "test" },
  actions: [],
};

/** A basin with all its mass on entry `i` (exact in float32, as stored). */
function oneHot(i = 0): number[] {
  const b = new Array<number>(DIM).fill(0);
  b[i] = 1;
  return b;
}

/** The uniform basin: Fisher–Rao distance 2·arccos(1/8) from any one-hot of 64 entries. */
const UNIFORM = new Array<number>(DIM).fill(1);
const UNIFORM_DRIFT = 2 * Math.acos(1 / 8);

const healthy = (kernel_id = "apollo_1", extra: Record<string, unknown> = {}) => ({
  kernel_id,
  phi: 0.78,
  kappa_eff: KAPPA_STAR,
  basin_coords: oneHot(),
  ...extra,
});

/** Φ low, κ far off, drifted, erroring, slow and leaking: every kind of current-value rule. */
const failing = (i: number, kernel_id = "apollo_1") => ({
  kernel_id,
  phi: 0.5,
  kappa_eff: 90,
  basin_coords: UNIFORM,
  error_rate: 0.2,
  avg_latency_ms: 3000,
  memory_mb: 900 + 20 * i,
});

interface Commit {
  rows: readonly StoredHealthSnapshot[];
  extras: SnapshotExtras | undefined;
}

/** A service on a fake store (over `database`) that records every commit it is given. */
async function openService(database = new FakeDatabase(), overrides: DeepPartial<AutonomicConfig> = {}) {
  const clock = new ManualClock(T0);
  const config = buildConfig(overrides);
  const fake = createFakeStore(database);
  const commits: Commit[] = [];
  const store: HealthStore = Object.assign(Object.create(fake), {
    commitSnapshots: async (rows: readonly StoredHealthSnapshot[], extras?: SnapshotExtras) => {
      await fake.commitSnapshots(rows, extras);
      commits.push({ rows, extras });
    },
  });
  const health = await HealthService.open({ config, store, clock, logger, directiveFor: () => DIRECTIVE });
  return { health, fake, commits, clock, database, config };
}

/** Ingests snapshots one by one, a second apart. */
async function feed(
  service: { health: HealthService; clock: ManualClock },
  count: number,
  make: (i: number) => Record<string, unknown>,
) {
  for (let i = 0; i < count; i++) {
    service.clock.advanceSeconds(1);
    await service.health.ingest(make(i));
  }
}

/** A call that may throw at once (bad input) or reject later (store), as a promise either way. */
function attempt<T>(call: () => Promise<T>): Promise<T> {
  return Promise.resolve().then(call);
}

/** Everything the service reports about one kernel. */
function describeKernel(health: HealthService, kernelId: string) {
  return {
    health: health.health(kernelId),
    degradation: health.degradation(kernelId),
    trends: health.trends(kernelId),
  };
}

describe("health service", () => {
  it("commits a snapshot with its baseline on the kernel's first basin, and the baseline only then", async () => {
    const service = await openService();
    const { health, commits, fake } = service;

    const first = await health.ingest({ kernel_id: "apollo_1", phi: 0.78, kappa_eff: 64 });
    expect(first.snapshot).toMatchObject({ kernel_id: "apollo_1", snapshots: 1, basin_drift: null });
    expect(first.directive).toEqual(DIRECTIVE);
    expect(commits).toHaveLength(1);
    expect(commits[0]?.rows).toHaveLength(1);
    expect(commits[0]?.extras?.baselines ?? []).toEqual([]);
    expect(await fake.loadBaselines()).toEqual([]);

    const withBasin = await health.ingest({
      kernel_id: "apollo_1",
      phi: 0.78,
      kappa_eff: 64,
      basin_coords: [1, 1, 2],
    });
    expect(withBasin.snapshot).toMatchObject({ snapshots: 2, basin_drift: 0 });
    expect(commits).toHaveLength(2);
    expect(commits[1]?.rows).toHaveLength(1);
    expect(commits[1]?.extras?.baselines).toHaveLength(1);
    expect(commits[1]?.extras?.baselines?.[0]).toMatchObject({
      kernel_id: "apollo_1",
      source: "first_snapshot",
    });
    const [stored] = await fake.loadBaselines();
    expect(stored?.kernel_id).toBe("apollo_1");
    expect(Array.from(stored?.basin ?? [])).toEqual([0.25, 0.25, 0.5]);
    expect(await fake.snapshotCount({ kernelId: "apollo_1" })).toBe(2);

    const later = await health.ingest({
      kernel_id: "apollo_1",
      phi: 0.78,
      kappa_eff: 64,
      basin_coords: [2, 1, 1],
    });
    expect(later.snapshot.basin_drift).toBeGreaterThan(0);
    expect(commits[2]?.extras?.baselines ?? []).toEqual([]);
    expect(Array.from((await fake.loadBaselines())[0]?.basin ?? [])).toEqual([0.25, 0.25, 0.5]);
  });

  it("commits a batch over several kernels as one transaction, with each new kernel's baseline", async () => {
    const { health, commits, fake } = await openService();
    const batch = Array.from({ length: 25 }, (_, i) =>
      healthy(`kernel_${i % 3}`, { basin_coords: oneHot(i % 3) }),
    );
    const reply = await health.ingestBatch(batch);
    expect(reply.snapshots).toHaveLength(25);
    expect(reply.snapshots.at(-1)).toMatchObject({ kernel_id: "kernel_0", snapshots: 9 });
    expect(Object.keys(reply.directives).sort()).toEqual(["kernel_0", "kernel_1", "kernel_2"]);
    expect(commits).toHaveLength(1);
    expect(commits[0]?.rows).toHaveLength(25);
    expect(commits[0]?.extras?.baselines?.map((b) => b.kernel_id).sort()).toEqual([
      "kernel_0",
      "kernel_1",
      "kernel_2",
    ]);
    expect(await fake.snapshotCount()).toBe(25);
    expect((await fake.loadBaselines()).map((b) => Array.from(b.basin).indexOf(1))).toEqual([0, 1, 2]);
  });

  it("refuses a batch with a bad item whole, naming the item, and stores nothing", async () => {
    const { health, commits, fake } = await openService();
    const batch = [healthy("a"), healthy("b"), healthy("a"), { ...healthy("c"), phi: 1.5 }, healthy("d")];
    const refused = attempt(() => health.ingestBatch(batch));
    await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
    await expect(refused).rejects.toMatchObject({ field: "snapshots[3].phi" });

    // Item 2 changes kernel a's dimension, fixed by item 0 of the same batch.
    const mixed = [healthy("a"), healthy("b"), healthy("a", { basin_coords: [1, 1] })];
    await expect(attempt(() => health.ingestBatch(mixed))).rejects.toMatchObject({
      field: "snapshots[2].basin_coords",
    });

    expect(commits).toEqual([]);
    expect(await fake.snapshotCount()).toBe(0);
    expect(health.monitor.kernelIds()).toEqual([]);
  });

  it("does not acknowledge a snapshot whose commit failed, and forgets it", async () => {
    const service = await openService();
    const { health, fake } = service;
    await feed(service, 12, (i) => healthy("apollo_1", { error_rate: i < 10 ? 0 : 0.2 }));
    const before = describeKernel(health, "apollo_1");
    const constellation = health.constellation();
    expect(before.health.status).toBe("healthy");
    expect(before.health.snapshots).toBe(12);

    fake.failNextCommit(new Error("disk full"));
    service.clock.advanceSeconds(1);
    const refused = health.ingest(failing(0));
    await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(refused).rejects.toThrow("disk full");

    expect(await fake.snapshotCount()).toBe(12);
    expect(describeKernel(health, "apollo_1")).toEqual(before);
    expect(health.constellation()).toEqual(constellation);

    // The error-rate rule had held twice; the lost snapshot did not count as its third.
    const next = await health.ingest(healthy("apollo_1", { error_rate: 0.2 }));
    expect(next.snapshot).toMatchObject({ snapshots: 13, status: "critical" });
    expect(await fake.snapshotCount()).toBe(13);
  });

  it("forgets a kernel whose first snapshot failed to commit, and sets its baseline on the next", async () => {
    const service = await openService();
    const { health, fake } = service;
    fake.failNextCommit(new Error("disk full"));
    await expect(health.ingest(healthy("ares_1", { basin_coords: oneHot(5) }))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(health.monitor.has("ares_1")).toBe(false);
    expect(await fake.loadBaselines()).toEqual([]);

    const again = await health.ingest(healthy("ares_1", { basin_coords: oneHot(7) }));
    expect(again.snapshot).toMatchObject({ snapshots: 1, basin_drift: 0 });
    expect(Array.from((await fake.loadBaselines())[0]?.basin ?? []).indexOf(1)).toBe(7);
  });

  it("does not acknowledge a batch whose commit failed: every kernel it touched is as before", async () => {
    const service = await openService();
    const { health, fake } = service;
    await feed(service, 11, () => healthy("apollo_1"));
    const before = describeKernel(health, "apollo_1");

    fake.failNextCommit(new Error("connection reset"));
    const batch = [failing(0), healthy("athena_1"), failing(1), failing(2)];
    await expect(health.ingestBatch(batch)).rejects.toBeInstanceOf(StoreUnavailableError);

    expect(await fake.snapshotCount()).toBe(11);
    expect(describeKernel(health, "apollo_1")).toEqual(before);
    expect(health.monitor.has("athena_1")).toBe(false);
    expect(health.constellation().kernel_count).toBe(1);
  });

  it("keeps the old baseline when an explicit baseline fails to commit", async () => {
    const service = await openService();
    const { health, fake } = service;
    await feed(service, 12, () => healthy("apollo_1", { basin_coords: UNIFORM }));
    fake.failNextCommit(new Error("disk full"));
    await expect(health.setBaseline("apollo_1", oneHot(), undefined)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(health.health("apollo_1").basin_drift).toBe(0);
    expect(Array.from((await fake.loadBaselines())[0]?.basin ?? [])).toEqual(
      new Array<number>(DIM).fill(1 / DIM),
    );
  });

  it("persists an explicit baseline, measures drift from it, and keeps it across a reopen", async () => {
    const service = await openService();
    const { health, fake, database } = service;
    await feed(service, 12, () => healthy("apollo_1"));
    expect(health.health("apollo_1").basin_drift).toBe(0);

    const events: HealthEvent[] = [];
    health.events.subscribe((e) => events.push(e));
    const set = await health.setBaseline("apollo_1", UNIFORM, "simplex");
    expect(set).toEqual({ kernel_id: "apollo_1", dimension: DIM });
    expect(events).toEqual([
      expect.objectContaining({ type: "baseline_set", kernel_id: "apollo_1", source: "explicit" }),
    ]);

    const [stored] = await fake.loadBaselines();
    expect(stored).toMatchObject({ kernel_id: "apollo_1", source: "explicit" });
    expect(Array.from(stored?.basin ?? [])).toEqual(new Array<number>(DIM).fill(1 / DIM));
    expect(health.health("apollo_1").basin_drift).toBeCloseTo(UNIFORM_DRIFT, 12);

    const reopened = await openService(database);
    expect(reopened.health.health("apollo_1").basin_drift).toBeCloseTo(UNIFORM_DRIFT, 12);
    expect(reopened.health.health("apollo_1").has_baseline).toBe(true);
    // A kernel known only by its explicit baseline is restored too.
    await health.setBaseline("athena_1", oneHot(3), undefined);
    const third = await openService(database);
    expect(third.health.health("athena_1")).toMatchObject({
      has_baseline: true,
      basin_dimension: DIM,
      snapshots: 0,
    });
  });

  it("refuses an explicit baseline of another dimension than the kernel's, storing nothing", async () => {
    const service = await openService();
    await feed(service, 2, () => healthy("apollo_1"));
    await expect(
      attempt(() => service.health.setBaseline("apollo_1", [1, 1], undefined)),
    ).rejects.toMatchObject({
      field: "basin_coords",
    });
    await expect(
      attempt(() => service.health.setBaseline("apollo_1", "1,1", undefined)),
    ).rejects.toMatchObject({ field: "basin_coords" });
    expect(Array.from((await service.fake.loadBaselines())[0]?.basin ?? []).indexOf(1)).toBe(0);
    expect((await service.fake.loadBaselines())[0]?.source).toBe("first_snapshot");
  });

  it("restores baselines, ring buffers and the same degradation issues when reopened on the same database", async () => {
    const service = await openService();
    const { health, database } = service;
    await feed(service, 12, (i) => healthy("apollo_1", { memory_mb: 500 + i }));
    await feed(service, 8, (i) => failing(i));
    await feed(service, 15, (i) => healthy("athena_1", { phi: 0.9 + i / 1000, basin_coords: oneHot(9) }));
    await feed(service, 4, () => ({ kernel_id: "hermes_1", phi: 0.6, kappa_eff: 64 }));

    const ids = ["apollo_1", "athena_1", "hermes_1"];
    const before = Object.fromEntries(ids.map((id) => [id, describeKernel(health, id)]));
    const apollo = before.apollo_1?.degradation;
    expect(apollo?.status).toBe("critical");
    expect(apollo?.findings.map((i) => i.rule).sort()).toEqual(
      [
        "basin_drift_critical",
        "error_rate",
        "kappa_deviation",
        "latency",
        "memory_slope",
        "phi_avg_low",
        "phi_low",
      ].sort(),
    );
    expect(before.athena_1?.degradation.findings.map((i) => i.rule)).toContain("phi_avg_high");
    expect(before.hermes_1?.health.status).toBe("insufficient_data");

    const reopened = await openService(database);
    expect(reopened.health.monitor.kernelIds().sort()).toEqual(ids);
    for (const id of ids) expect(describeKernel(reopened.health, id)).toEqual(before[id]);
    expect(reopened.health.constellation()).toEqual(health.constellation());

    // The windows were rebuilt, not just the verdicts: both services go on alike.
    reopened.clock.set(service.clock.now());
    for (let i = 0; i < 6; i++) {
      service.clock.advanceSeconds(1);
      reopened.clock.advanceSeconds(1);
      const recovered = healthy("apollo_1", { memory_mb: 600, error_rate: 0, avg_latency_ms: 100 });
      const a = await health.ingest(recovered);
      const b = await reopened.health.ingest(recovered);
      expect(b.snapshot).toEqual(a.snapshot);
    }
    expect(describeKernel(reopened.health, "apollo_1")).toEqual(describeKernel(health, "apollo_1"));
    expect(health.degradation("apollo_1").status).toBe("healthy");
  });

  it("publishes a status change only after its commit, and never for a failed one", async () => {
    const service = await openService();
    const { health, database, fake } = service;
    const seen: { event: HealthEvent; storedAtPublish: number }[] = [];
    health.events.subscribe((event) => {
      if (event.type === "health_status_changed")
        seen.push({ event, storedAtPublish: database.health.snapshots.length });
    });

    await feed(service, 9, () => healthy("apollo_1"));
    expect(seen).toEqual([]);
    await feed(service, 1, () => healthy("apollo_1"));
    expect(seen).toEqual([
      {
        event: expect.objectContaining({ kernel_id: "apollo_1", from: "insufficient_data", to: "healthy" }),
        storedAtPublish: 10,
      },
    ]);
    await feed(service, 2, () => healthy("apollo_1", { error_rate: 0.3 }));
    expect(seen).toHaveLength(1);

    // The third high error rate would make it critical, but its commit fails.
    fake.failNextCommit(new Error("disk full"));
    await expect(health.ingest(healthy("apollo_1", { error_rate: 0.3 }))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(seen).toHaveLength(1);
    expect(health.health("apollo_1").status).toBe("healthy");

    // A batch publishes after its one commit too, with the whole batch stored.
    const reply = await health.ingestBatch([
      healthy("apollo_1", { error_rate: 0.3 }),
      healthy("apollo_1", { error_rate: 0.3 }),
    ]);
    expect(reply.snapshots.map((s) => s.status)).toEqual(["critical", "critical"]);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual({
      event: expect.objectContaining({ kernel_id: "apollo_1", from: "healthy", to: "critical" }),
      storedAtPublish: 14,
    });
    expect(await fake.snapshotCount()).toBe(14);
  });
});

describe("health service history across restarts", () => {
  it("keeps a first-snapshot baseline's source and time when its drift reference completes", async () => {
    const service = await openService();
    await feed(service, 1, () => healthy());
    const [first] = await service.fake.loadBaselines();
    await feed(service, 60, () => healthy());
    const [later] = await service.fake.loadBaselines();
    expect(later).toMatchObject({ source: "first_snapshot", set_at: first?.set_at });
    expect(later?.drift_reference).not.toBeNull();
  });

  it("keeps each kernel's snapshot count beyond the ring after a restart and after a failed commit", async () => {
    const service = await openService(new FakeDatabase(), { health: { ringCapacitySnapshots: 20 } });
    await feed(service, 25, () => healthy());
    const reopened = await openService(service.database, { health: { ringCapacitySnapshots: 20 } });
    expect(reopened.health.health("apollo_1").snapshots).toBe(25);
    service.fake.failNextCommit(new Error("disk full"));
    await expect(service.health.ingest(healthy())).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(service.health.health("apollo_1").snapshots).toBe(25);
  });

  it("rejects, rather than throws, on bad input", async () => {
    const { health } = await openService();
    await expect(health.ingest({ phi: 2, kappa_eff: 64 })).rejects.toBeInstanceOf(InvalidInputError);
  });
});
