/**
 * The remediation-action half of the store contract against every backend (SQLite file,
 * PostgreSQL database, in-memory fake): every field round-trips, a save replaces by id,
 * pending actions come back oldest first, lists newest first, and all of it survives a reopen.
 */
import { describe, expect, it } from "vitest";
import { freshStorePerTest, storeBackends } from "../../test/support/store-backends.js";
import type { RemediationAction } from "../core/healing/remediation-action.js";
import type { Store } from "./store-types.js";

const BACKENDS = storeBackends("autonomic-action-store-");

const T0 = Date.UTC(2026, 10, 22);

function action(action_id: string, extra: Partial<RemediationAction> = {}): RemediationAction {
  return {
    action_id,
    kernel_id: "apollo_1",
    patch_id: null,
    type: "enable_cache",
    params: { entries: 5000 },
    dry_run: true,
    status: "pending",
    created_at: T0,
    deadline_at: T0 + 120_000,
    answered_at: null,
    result: null,
    ...extra,
  };
}

const ids = (actions: RemediationAction[]) => actions.map((a) => a.action_id);

for (const backend of BACKENDS) {
  describe(`${backend.name} action store`, () => {
    const open = freshStorePerTest(backend);

    it("reads back every field as written: params and result as JSON, null patch, booleans, ms", async () => {
      const store = await open();
      const answered = action("act_answered", {
        kernel_id: "athena_1",
        patch_id: "patch_42",
        type: "basin_correction",
        params: { target: "baseline", step: 0.3, strict: false },
        dry_run: false,
        status: "succeeded",
        created_at: T0 + 1.5,
        deadline_at: T0 + 30_000,
        answered_at: T0 + 12_345,
        result: {
          ok: true,
          predicted: {
            phi: 0.74,
            kappa_eff: 63.8,
            basin_coords: [0.25, 0.75],
            error_rate: 0.01,
            avg_latency: 99,
          },
        },
      });
      const pending = action("act_pending");
      await store.saveAction(answered);
      await store.saveAction(pending);
      expect(await store.getAction("act_answered")).toEqual(answered);
      expect(await store.getAction("act_pending")).toEqual(pending);
      expect(await store.getAction("act_nobody")).toBeNull();
      const failed = action("act_failed", {
        status: "failed",
        answered_at: T0,
        result: { ok: false, error: "no" },
      });
      await store.saveAction(failed);
      expect(await store.getAction("act_failed")).toEqual(failed);
    });

    it("replaces an action saved again under its id, keeping one row", async () => {
      const store = await open();
      await store.saveAction(action("act_1"));
      const answered = action("act_1", {
        status: "failed",
        answered_at: T0 + 5,
        result: { ok: false, error: "busy" },
      });
      await store.saveAction(answered);
      expect(await store.getAction("act_1")).toEqual(answered);
      expect(await store.listActions()).toEqual([answered]);
      expect(await store.loadOpenActions()).toEqual([]);
    });

    it("loads only pending actions, oldest first, ties in the order first saved", async () => {
      const store = await open();
      // Saved out of time order, and with ids that sort against their order.
      await store.saveAction(action("act_c", { created_at: T0 + 2000 }));
      await store.saveAction(action("act_b", { created_at: T0 }));
      await store.saveAction(action("act_a", { created_at: T0 }));
      await store.saveAction(
        action("act_done", { created_at: T0 - 1, status: "succeeded", answered_at: T0 }),
      );
      await store.saveAction(
        action("act_late", { created_at: T0 + 1000, status: "timed_out", answered_at: T0 }),
      );
      expect(ids(await store.loadOpenActions())).toEqual(["act_b", "act_a", "act_c"]);
      // Answering one keeps the others' order; its seq stays that of its first save.
      await store.saveAction(
        action("act_b", { status: "succeeded", answered_at: T0 + 3000, result: { ok: true } }),
      );
      expect(ids(await store.loadOpenActions())).toEqual(["act_a", "act_c"]);
    });

    it("lists newest first, by kernel, up to the limit", async () => {
      const store = await open();
      for (let i = 0; i < 6; i++)
        await store.saveAction(
          action(`act_${i}`, {
            kernel_id: i % 2 ? "athena_1" : "apollo_1",
            created_at: T0 + Math.floor(i / 2),
          }),
        );
      expect(ids(await store.listActions())).toEqual(["act_5", "act_4", "act_3", "act_2", "act_1", "act_0"]);
      expect(ids(await store.listActions({ kernelId: "athena_1" }))).toEqual(["act_5", "act_3", "act_1"]);
      expect(ids(await store.listActions({ limit: 2 }))).toEqual(["act_5", "act_4"]);
      expect(await store.listActions({ kernelId: "nobody" })).toEqual([]);
      await expect(store.listActions({ limit: 1001 })).rejects.toThrow(RangeError);
    });

    it("refuses an action missing a required field and stores nothing of it", async () => {
      const store = await open();
      const broken = { ...action("act_broken"), kernel_id: null as unknown as string };
      await expect(store.saveAction(broken)).rejects.toThrow(/kernel_id/);
      expect(await store.getAction("act_broken")).toBeNull();
    });

    it("keeps actions across close and reopen", async () => {
      const store = await open();
      await store.saveAction(action("act_1", { created_at: T0 }));
      await store.saveAction(action("act_2", { created_at: T0, patch_id: "p" }));
      await store.saveAction(
        action("act_3", { status: "timed_out", answered_at: T0, result: { ok: false, error: "x" } }),
      );
      const read = (s: Store) => Promise.all([s.loadOpenActions(), s.listActions(), s.getAction("act_3")]);
      const before = await read(store);
      await store.close();
      const again = await open();
      expect(await read(again)).toEqual(before);
      expect(ids(before[0])).toEqual(["act_1", "act_2"]);
      // Saved after the reopen, at the same ms: still after the earlier ones.
      await again.saveAction(action("act_0", { created_at: T0 }));
      expect(ids(await again.loadOpenActions())).toEqual(["act_1", "act_2", "act_0"]);
    });
  });
}
