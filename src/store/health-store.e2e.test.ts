/**
 * The health half of the store contract against every backend (SQLite file, PostgreSQL
 * database, in-memory fake): batches all or nothing, float32 basins, paging, start-up reads.
 */
import { describe, expect, it } from "vitest";
import { freshStorePerTest, storeBackends } from "../../test/support/store-backends.js";
import type { HealthSnapshotRow, StoredHealthSnapshot, StoredResonancePoint } from "./health-store-types.js";
import type { Store } from "./store-types.js";

const BACKENDS = storeBackends("autonomic-health-store-");

const T0 = Date.UTC(2026, 10, 22);

/** A basin off the float32 grid before rounding (thirds, sevenths), so rounding is exercised. */
function basinOf(seed: number, dimension = 64): Float32Array {
  const raw = Array.from({ length: dimension }, (_, i) => 1 + ((seed * 7 + i) % 13) / 3);
  const sum = raw.reduce((a, b) => a + b, 0);
  return Float32Array.from(raw, (x) => x / sum);
}

function snap(
  kernel_id: string,
  at: number,
  extra: Partial<StoredHealthSnapshot> = {},
): StoredHealthSnapshot {
  return {
    ...{ kernel_id, at, phi: 0.72, kappa_eff: 63.9, basin: basinOf(at), basin_drift: 0.41 },
    ...{ regime: "hierarchical", confidence: 0.8, surprise: 0.1, agency: 0.55, error_rate: 0.01 },
    ...{ avg_latency_ms: 120.5, memory_mb: 310, cpu_pct: 12.5, code_hash: "a1b2c3", label: "steady" },
    context: { task: "summarise", tokens: [1, 2, 3] },
    ...extra,
  };
}

function point(kernel_id: string, at: number): StoredResonancePoint {
  const [phi_variance, kappa_variance] = [0.004, 0.9];
  const cluster_strength = 1 / (1 + 100 * phi_variance + kappa_variance);
  return { kernel_id, at, phi: 0.74, kappa_eff: 64.1, phi_variance, kappa_variance, cluster_strength };
}

/** A row as it was given, with the id the store assigned. */
const stored = (s: StoredHealthSnapshot) => ({ ...s, id: expect.any(Number) });
const keys = (rows: HealthSnapshotRow[]) => rows.map((r) => `${r.kernel_id}@${r.at - T0}`);

/**
 * Every page of `kernelId`'s snapshots (all kernels' when undefined), newest first, each
 * cursor the last row of the page before. Stops after `maxPages`, so a cursor that repeats
 * rows fails the test instead of looping forever.
 */
async function everyPage(
  store: Store,
  kernelId: string | undefined,
  limit: number,
  maxPages: number,
): Promise<HealthSnapshotRow[]> {
  const seen: HealthSnapshotRow[] = [];
  let page = await store.snapshots({ kernelId, limit });
  for (let pages = 0; page.length > 0 && pages < maxPages; pages++) {
    seen.push(...page);
    const last = page[page.length - 1] as HealthSnapshotRow;
    page = await store.snapshots({ kernelId, limit, beforeMs: last.at, beforeId: last.id });
  }
  return seen;
}

for (const backend of BACKENDS) {
  describe(`${backend.name} health store`, () => {
    const open = freshStorePerTest(backend);

    it("reads back a batch typed as written: float32 basins exact, nulls null, context as JSON", async () => {
      const store = await open();
      const full = snap("apollo_1", T0);
      const bare = snap("apollo_1", T0 + 1000, {
        ...{ basin: null, basin_drift: null, confidence: null, surprise: null, agency: null },
        ...{ error_rate: null, avg_latency_ms: null, memory_mb: null, cpu_pct: null },
        ...{ code_hash: null, label: null, context: null, regime: "breakdown", phi: 0.9 },
      });
      const odd = snap("apollo_1", T0 + 2000, { basin: basinOf(5, 3), context: ["a", 1, null], label: "" });
      await store.commitSnapshots([full, bare, odd]);
      const rows = await store.snapshots({ kernelId: "apollo_1" });
      expect(rows).toEqual([stored(odd), stored(bare), stored(full)]);
      const basin = rows[2]?.basin as Float32Array;
      expect(basin).toBeInstanceOf(Float32Array);
      expect([basin.byteOffset, basin.buffer.byteLength]).toEqual([0, 64 * 4]); // aligned, its own memory
      expect(Array.from(basin)).toEqual(Array.from(full.basin as Float32Array));
      expect(rows[0]?.basin).toHaveLength(3);
      expect(rows.every((r) => Number.isInteger(r.id) && typeof r.at === "number")).toBe(true);
    });

    it("reads the batch when called, so the caller may reuse its arrays before the commit resolves", async () => {
      const store = await open();
      const s = snap("apollo_1", T0);
      const written = Float32Array.from(s.basin as Float32Array);
      const committing = store.commitSnapshots([s]);
      (s.basin as Float32Array).fill(0);
      await committing;
      expect((await store.snapshots())[0]?.basin).toEqual(written);
    });

    it("commits 10,000 snapshots in one call, and nothing of a batch whose 5,000th row breaks NOT NULL", async () => {
      const store = await open();
      const batch = Array.from({ length: 10_000 }, (_, i) => snap(`chaos_${i % 50}`, T0 + i));
      const broken = batch.map((s, i) => (i === 4999 ? { ...s, phi: null as unknown as number } : s));
      const extras = {
        baselines: [
          { kernel_id: "chaos_0", basin: basinOf(1), set_at: T0, source: "first_snapshot" as const },
        ],
      };
      await expect(
        store.commitSnapshots(broken, { ...extras, resonance: [point("chaos_0", T0)] }),
      ).rejects.toThrow(/phi/);
      expect(await store.snapshotCount()).toBe(0);
      expect(await store.loadBaselines()).toEqual([]);
      expect(await store.resonancePoints()).toEqual([]);
      await store.commitSnapshots(batch, extras);
      expect(await store.snapshotCount()).toBe(10_000);
      expect(await store.snapshotCount({ kernelId: "chaos_7" })).toBe(200);
    }, 30_000);

    it("returns each kernel's newest N snapshots, oldest first, ties in time kept in insertion order", async () => {
      const store = await open();
      await store.commitSnapshots([
        snap("athena_1", T0 + 5000),
        snap("apollo_1", T0 + 3000),
        snap("apollo_1", T0 + 9000),
      ]);
      // Later batches carry older and equal times: recency is the time, then the id.
      await store.commitSnapshots([
        snap("apollo_1", T0 + 1000),
        snap("apollo_1", T0 + 9000, { label: "second" }),
      ]);
      await store.commitSnapshots([
        snap("hermes_1", T0),
        snap("athena_1", T0 + 4000),
        snap("apollo_1", T0 + 7000),
      ]);
      const recent = await store.recentSnapshots(3);
      expect(keys(recent)).toEqual([
        ...["apollo_1@7000", "apollo_1@9000", "apollo_1@9000"],
        ...["athena_1@4000", "athena_1@5000", "hermes_1@0"],
      ]);
      expect(recent[2]?.label).toBe("second");
      expect(keys(await store.recentSnapshots(1))).toEqual(["apollo_1@9000", "athena_1@5000", "hermes_1@0"]);
      expect(await store.recentSnapshots(0)).toEqual([]);
      await expect(store.recentSnapshots(-1)).rejects.toThrow(RangeError);
    });

    it("pages newest first by (at, id), covering every row exactly once though many share a ms", async () => {
      const store = await open();
      const batch = Array.from({ length: 250 }, (_, i) =>
        snap(i % 3 ? "apollo_1" : "athena_1", T0 + Math.floor(i / 7)),
      );
      await store.commitSnapshots(batch.slice(0, 120));
      await store.commitSnapshots(batch.slice(120));
      for (const kernelId of [undefined, "apollo_1"]) {
        const seen = await everyPage(store, kernelId, 40, 20);
        // The same rows in the same order as one page holding them all: none skipped, none twice.
        expect(seen).toEqual(await store.snapshots({ kernelId, limit: 1000 }));
        expect(seen).toHaveLength(
          batch.filter((s) => kernelId === undefined || s.kernel_id === kernelId).length,
        );
      }
    });

    it("reads, pages, counts and prunes the same whichever way the writes were grouped", async () => {
      // SQLite stages small batches and moves them 512 at a time, and writes a batch of 512
      // or more straight to the table (sqlite-staging.ts): this crosses moves, a large batch
      // between staged rows, and ends with rows still staged.
      const store = await open();
      const kernels = ["apollo_1", "athena_1", "hermes_1"];
      const committed: StoredHealthSnapshot[] = [];
      const commit = async (batch: StoredHealthSnapshot[]) => {
        committed.push(...batch);
        await store.commitSnapshots(batch);
      };
      // Seven snapshots a ms, so most share their time with others, across each kind of write too.
      let made = 0;
      const next = () => {
        const i = made++;
        return snap(kernels[i % 3] as string, T0 + Math.floor(i / 7));
      };
      for (let g = 0; g < 110; g++)
        await commit(Array.from({ length: 5 }, (_, j) => ({ ...next(), label: `${g}.${j}` })));
      await commit(Array.from({ length: 600 }, () => next()).map((s, i) => ({ ...s, label: `big.${i}` })));
      for (let g = 0; g < 40; g++)
        await commit(Array.from({ length: 7 }, (_, j) => ({ ...next(), label: `late${g}.${j}` })));
      // Newest first: by time, then the later commit first.
      const newestFirst = (rows: StoredHealthSnapshot[]) =>
        rows
          .map((row, order) => ({ row, order }))
          .sort((a, b) => b.row.at - a.row.at || b.order - a.order)
          .map(({ row }) => row.label);
      const labels = (rows: HealthSnapshotRow[]) => rows.map((r) => r.label);
      for (const kernelId of [undefined, "athena_1"]) {
        const own = committed.filter((s) => kernelId === undefined || s.kernel_id === kernelId);
        const seen = await everyPage(store, kernelId, 100, 30);
        expect(labels(seen)).toEqual(newestFirst(own));
        expect(await store.snapshotCount({ kernelId })).toBe(own.length);
      }
      const recent = await store.recentSnapshots(4);
      expect(labels(recent)).toEqual(
        kernels.flatMap((k) =>
          newestFirst(committed.filter((s) => s.kernel_id === k))
            .slice(0, 4)
            .reverse(),
        ),
      );
      const cut = T0 + 100;
      expect(await store.pruneHealthSnapshots(cut)).toBe(committed.filter((s) => s.at < cut).length);
      expect(await store.snapshotCount()).toBe(committed.filter((s) => s.at >= cut).length);
    });

    it("filters pages by since and before ms, with a default limit of 100 and a maximum of 1000", async () => {
      const store = await open();
      await store.commitSnapshots(Array.from({ length: 150 }, (_, i) => snap("apollo_1", T0 + i * 10)));
      expect(await store.snapshots()).toHaveLength(100);
      const window = await store.snapshots({ sinceMs: T0 + 100, beforeMs: T0 + 150 });
      expect(window.map((r) => r.at - T0)).toEqual([140, 130, 120, 110, 100]);
      expect(await store.snapshots({ kernelId: "nobody" })).toEqual([]);
      await expect(store.snapshots({ limit: 1001 })).rejects.toThrow(RangeError);
      await expect(store.snapshots({ beforeId: 3 })).rejects.toThrow(/beforeMs/);
    });

    it("sets baselines by kernel, replacing an earlier one, and loads them all", async () => {
      const store = await open();
      await store.setBaseline({
        kernel_id: "athena_1",
        basin: basinOf(1),
        set_at: T0,
        source: "first_snapshot",
      });
      await store.setBaseline({
        kernel_id: "apollo_1",
        basin: basinOf(2),
        set_at: T0,
        source: "first_snapshot",
      });
      const reference = { drifts: 12, mean: 0.4, m2: 0.05 };
      await store.setBaseline({
        kernel_id: "athena_1",
        basin: basinOf(3, 8),
        set_at: T0 + 60_000,
        source: "explicit",
        drift_reference: reference,
      });
      expect(await store.loadBaselines()).toEqual([
        {
          kernel_id: "apollo_1",
          basin: basinOf(2),
          set_at: T0,
          source: "first_snapshot",
          drift_reference: null,
        },
        {
          kernel_id: "athena_1",
          basin: basinOf(3, 8),
          set_at: T0 + 60_000,
          source: "explicit",
          drift_reference: reference,
        },
      ]);
      const twice = [
        { kernel_id: "hermes_1", basin: basinOf(4), set_at: T0, source: "first_snapshot" as const },
        { kernel_id: "hermes_1", basin: basinOf(5), set_at: T0 + 1, source: "explicit" as const },
      ];
      await store.commitSnapshots([snap("hermes_1", T0)], { baselines: twice });
      expect((await store.loadBaselines()).find((b) => b.kernel_id === "hermes_1")).toEqual({
        ...twice[1],
        drift_reference: null,
      });
    });

    it("stores resonance points beside a batch and returns them by kernel and since, newest first", async () => {
      const store = await open();
      const points = [point("apollo_1", T0), point("athena_1", T0 + 1000), point("apollo_1", T0 + 2000)];
      await store.commitSnapshots([], { resonance: points });
      expect(await store.resonancePoints()).toEqual(
        [2, 1, 0].map((i) => ({ ...points[i], id: expect.any(Number) })),
      );
      const apollo = await store.resonancePoints({ kernelId: "apollo_1", sinceMs: T0 + 1 });
      expect(apollo).toEqual([{ ...points[2], id: expect.any(Number) }]);
      expect(await store.resonancePoints({ limit: 1 })).toHaveLength(1);
      expect(await store.snapshotCount()).toBe(0);
    });

    it("prunes only snapshots older than the cut and says how many", async () => {
      const store = await open();
      await store.commitSnapshots(
        [0, 1, 2, 3].flatMap((i) => [snap("apollo_1", T0 + i * 1000), snap("athena_1", T0 + i * 1000)]),
      );
      expect(await store.pruneHealthSnapshots(T0 + 2000)).toBe(4);
      expect(await store.snapshotCount({ kernelId: "apollo_1" })).toBe(2);
      expect((await store.snapshots()).map((r) => r.at - T0)).toEqual([3000, 3000, 2000, 2000]);
      expect(await store.pruneHealthSnapshots(T0 + 2000)).toBe(0);
    });

    it("keeps snapshots, baselines and resonance points across close and reopen", async () => {
      const store = await open();
      await store.commitSnapshots(
        [snap("apollo_1", T0), snap("apollo_1", T0 + 1000, { basin: null }), snap("athena_1", T0 + 500)],
        {
          baselines: [{ kernel_id: "apollo_1", basin: basinOf(0), set_at: T0, source: "first_snapshot" }],
          resonance: [point("apollo_1", T0 + 1000)],
        },
      );
      const read = (s: Store) =>
        Promise.all([s.snapshots(), s.loadBaselines(), s.resonancePoints(), s.recentSnapshots(10)]);
      const before = await read(store);
      await store.close();
      const again = await open();
      expect(await read(again)).toEqual(before);
      await again.commitSnapshots([snap("apollo_1", T0 + 2000)]);
      const ids = (await again.snapshots()).map((r) => r.id);
      expect(ids[0]).toBeGreaterThan(Math.max(...ids.slice(1))); // ids keep rising after a reopen
    });
  });
}
