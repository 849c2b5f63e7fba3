/**
 * The self-healing half of the store contract against every backend (SQLite file, PostgreSQL
 * database, in-memory fake): a patch round-trips with its transitions appended once each and
 * atomically, patches and alerts list newest first, the phase history oldest first, healing
 * state overwrites by key, crashed runs are counted, and all of it survives a reopen.
 */
import { describe, expect, it } from "vitest";
import {
  alert,
  by,
  fullPatch,
  PROPOSAL,
  patch,
  patchIn,
  phase,
  T0,
} from "../../test/support/healing-fixture.js";
import { freshStorePerTest, storeBackends } from "../../test/support/store-backends.js";
import { type Patch, type PatchState, transition } from "../core/healing/patch.js";
import { createFakeStore } from "./fake-store.js";
import type { StoredAlert } from "./healing-store-types.js";
import type { Store } from "./store-types.js";

const BACKENDS = storeBackends("autonomic-healing-store-");

const ids = (rows: { patch_id: string }[]) => rows.map((r) => r.patch_id);
const alertIds = (rows: StoredAlert[]) => rows.map((r) => r.alert_id);

for (const backend of BACKENDS) {
  describe(`${backend.name} healing store`, () => {
    const open = freshStorePerTest(backend);

    it("reads a patch back with every field as written, its transitions in order", async () => {
      const store = await open();
      const full = fullPatch();
      const bare = patch("patch_bare");
      await store.savePatch(full);
      await store.savePatch(bare);
      expect(await store.getPatch("patch_full")).toEqual(full);
      expect(await store.getPatch("patch_bare")).toEqual(bare);
      expect(await store.getPatch("patch_nobody")).toBeNull();
    });

    it("appends each transition once across saves, with from, to, at, actor and reason", async () => {
      const store = await open();
      let p = patch("patch_1");
      await store.savePatch(p);
      p = transition(p, "sandboxed", by(10, "fitness 0.72: apply"));
      await store.savePatch(p);
      await store.savePatch(p); // the same version again: nothing new to append
      p = transition(transition(p, "pending_review", by(20, "review")), "rejected", by(30, "no", "user:ada"));
      await store.savePatch(p);
      expect((await store.getPatch("patch_1"))?.transitions).toEqual([
        { from: null, to: "generated", at: T0, actor: "system", reason: PROPOSAL.rationale },
        { from: "generated", to: "sandboxed", at: T0 + 10, actor: "system", reason: "fitness 0.72: apply" },
        { from: "sandboxed", to: "pending_review", at: T0 + 20, actor: "system", reason: "review" },
        { from: "pending_review", to: "rejected", at: T0 + 30, actor: "user:ada", reason: "no" },
      ]);
      expect((await store.getPatch("patch_1"))?.state).toBe("rejected");
    });

    it("stores each transition once when two saves of one patch race", async () => {
      const store = await open();
      const first = patch("patch_1");
      const later = transition(transition(first, "sandboxed", by(1, "a")), "rejected", by(2, "b"));
      await Promise.all([store.savePatch(later), store.savePatch(later), store.savePatch(first)]);
      expect((await store.getPatch("patch_1"))?.transitions).toEqual(later.transitions);
    });

    it("stores neither the row nor any transition of a save whose transition is refused", async () => {
      const store = await open();
      const before = patchIn("patch_1", "sandboxed");
      await store.savePatch(before);
      const moved = transition(before, "pending_review", by(50, "review"));
      const broken = { ...moved, transitions: [...moved.transitions, { ...moved.transitions[2], to: null }] };
      // The row's upsert goes first; the refused insert after it must take it back.
      await expect(store.savePatch(broken as unknown as Patch)).rejects.toThrow(/to_state/);
      expect(await store.getPatch("patch_1")).toEqual(before);
      const unsaved = patch("patch_2");
      const brokenNew = { ...unsaved, transitions: [{ ...unsaved.transitions[0], reason: null }] };
      await expect(store.savePatch(brokenNew as unknown as Patch)).rejects.toThrow(/reason/);
      expect(await store.getPatch("patch_2")).toBeNull();
    });

    it("lists patches newest first by kernel, states and limit, keeping first-save order on upsert", async () => {
      const store = await open();
      await store.savePatch(patchIn("p_old", "verified", { now: T0 - 1000 }));
      for (const [id, kernel] of [
        ["p_a", "apollo_1"],
        ["p_b", "athena_1"],
        ["p_c", "apollo_1"],
      ])
        await store.savePatch(patch(id, { kernel_id: kernel }));
      // Saved again later, moved on: its place among the same-ms patches stays that of its first save.
      await store.savePatch(transition(patch("p_a"), "sandboxed", by(1, "sandboxed")));
      expect(ids(await store.listPatches())).toEqual(["p_c", "p_b", "p_a", "p_old"]);
      expect(ids(await store.listPatches({ kernelId: "apollo_1" }))).toEqual(["p_c", "p_a", "p_old"]);
      expect(ids(await store.listPatches({ states: ["sandboxed", "verified"] }))).toEqual(["p_a", "p_old"]);
      expect(ids(await store.listPatches({ kernelId: "athena_1", states: ["generated"] }))).toEqual(["p_b"]);
      expect(ids(await store.listPatches({ limit: 2 }))).toEqual(["p_c", "p_b"]);
      expect(await store.listPatches({ states: [] })).toEqual([]);
      expect((await store.listPatches({ states: ["sandboxed"] }))[0]?.transitions).toHaveLength(2);
      await expect(store.listPatches({ limit: 10_001 })).rejects.toThrow(RangeError);
    });

    it("loads every patch not in a final state, oldest first", async () => {
      const store = await open();
      const states: PatchState[] = [
        "applied",
        "verified",
        "generated",
        "rolled_back",
        "pending_review",
        "rejected",
        "approved",
      ];
      for (const [i, state] of states.entries())
        await store.savePatch(patchIn(`p_${state}`, state, { now: T0 - i }));
      await store.savePatch(patchIn("p_sandboxed", "sandboxed", { now: T0 - 2 }));
      const open_ = await store.loadOpenPatches();
      expect(ids(open_)).toEqual([
        "p_approved",
        "p_pending_review",
        "p_generated",
        "p_sandboxed",
        "p_applied",
      ]);
      expect(open_.map((p) => p.transitions.length)).toEqual([4, 3, 1, 2, 5]);
    });

    it("upserts alerts by id, finds the newest by dedupe key, and filters by pending delivery", async () => {
      const store = await open();
      await store.saveAlert(alert("a_1", { created_at: T0 - 10 }));
      await store.saveAlert(
        alert("a_2", { dedupe_key: "drift:athena_1", kernel_id: null, severity: "warning" }),
      );
      await store.saveAlert(alert("a_3"));
      await store.saveAlert(alert("a_4", { delivery_status: "not_configured" }));
      const delivered = alert("a_3", {
        occurrences: 3,
        last_seen_at: T0 + 600_000,
        delivery_status: "delivered",
        delivery_attempts: 2,
        last_error: "HTTP 503",
        delivered_at: T0 + 5000,
      });
      await store.saveAlert(delivered);
      expect(await store.findAlertByDedupeKey("unhealed:apollo_1")).toEqual(
        alert("a_4", { delivery_status: "not_configured" }),
      );
      expect(await store.findAlertByDedupeKey("drift:athena_1")).toEqual(
        alert("a_2", { dedupe_key: "drift:athena_1", kernel_id: null, severity: "warning" }),
      );
      expect(await store.findAlertByDedupeKey("nobody")).toBeNull();
      expect(alertIds(await store.listAlerts())).toEqual(["a_4", "a_3", "a_2", "a_1"]);
      expect((await store.listAlerts()).find((a) => a.alert_id === "a_3")).toEqual(delivered);
      expect(alertIds(await store.listAlerts({ pendingDelivery: true }))).toEqual(["a_2", "a_1"]);
      expect(alertIds(await store.listAlerts({ pendingDelivery: false }))).toEqual(["a_4", "a_3"]);
      expect(alertIds(await store.listAlerts({ limit: 1 }))).toEqual(["a_4"]);
    });

    it("keeps the phase history oldest first, with rising seq and criteria as JSON", async () => {
      const store = await open();
      const changes = [
        phase(1, 2),
        phase(2, 3, { forced: true, reason: "gate unmet: 4 applied of 5, accepted", actor: "user:bob" }),
        phase(3, 2, { actor: "system", criteria: null }),
      ];
      for (const change of changes) await store.recordPhaseChange(change);
      const history = await store.loadPhaseHistory();
      expect(history.map(({ seq: _seq, ...c }) => c)).toEqual(changes);
      const seqs = history.map((c) => c.seq ?? Number.NaN);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(3);
    });

    it("overwrites healing state by key and answers null for a key never saved", async () => {
      const store = await open();
      const guard = {
        version: 1,
        kernels: {
          apollo_1: {
            generated_at: [T0],
            last_change_at: null,
            consecutive_failures: 2,
            circuit_opened_at: null,
          },
        },
      };
      await store.saveHealingState("remediation_guard", { version: 1, kernels: {} }, T0);
      await store.saveHealingState("remediation_guard", guard, T0 + 1);
      await store.saveHealingState("loop_running", true);
      expect(await store.loadHealingState("remediation_guard")).toEqual(guard);
      expect(await store.loadHealingState("loop_running")).toBe(true);
      expect(await store.loadHealingState("nobody")).toBeNull();
    });

    it("counts the runs other than the current one that never recorded a stop", async () => {
      const store = await open();
      const first = await store.recordServerStart(T0);
      const second = await store.recordServerStart(T0 + 1000);
      const current = await store.recordServerStart(T0 + 2000);
      expect(new Set([first, second, current]).size).toBe(3);
      await store.recordServerStop(first, T0 + 500);
      expect(await store.uncleanStops(current)).toBe(1);
      await store.recordServerStop(current, T0 + 3000);
      expect(await store.uncleanStops(current)).toBe(1);
      expect(await store.uncleanStops(second)).toBe(0);
    });

    it("keeps patches, alerts, phases, state and runs across close and reopen", async () => {
      const store = await open();
      await store.savePatch(fullPatch());
      await store.savePatch(patchIn("patch_open", "applied"));
      await store.saveAlert(alert("a_1"));
      await store.recordPhaseChange(phase(1, 2));
      await store.saveHealingState("loop_running", false);
      const crashed = await store.recordServerStart(T0);
      const read = (s: Store) =>
        Promise.all([
          s.listPatches(),
          s.loadOpenPatches(),
          s.listAlerts(),
          s.loadPhaseHistory(),
          s.loadHealingState("loop_running"),
        ]);
      const before = await read(store);
      await store.close();
      const again = await open();
      expect(await read(again)).toEqual(before);
      expect(ids(before[1])).toEqual(["patch_open"]);
      const current = await again.recordServerStart(T0 + 60_000);
      expect(current).not.toBe(crashed);
      expect(await again.uncleanStops(current)).toBe(1);
      // A move saved after the reopen appends after the stored ones.
      await again.savePatch(transition(patchIn("patch_open", "applied"), "verified", by(100, "kept")));
      expect((await again.getPatch("patch_open"))?.transitions.map((t) => t.to)).toEqual([
        "generated",
        "sandboxed",
        "pending_review",
        "approved",
        "applied",
        "verified",
      ]);
    });

    if (backend.name === "fake")
      it("stores nothing of a healing write failNextCommit fails", async () => {
        const store = createFakeStore();
        store.failNextCommit(new Error("disk full"));
        await expect(store.savePatch(patch("patch_1"))).rejects.toThrow("disk full");
        expect(await store.getPatch("patch_1")).toBeNull();
        store.failNextCommit(new Error("disk full"));
        await expect(store.saveAlert(alert("a_1"))).rejects.toThrow("disk full");
        expect(await store.listAlerts()).toEqual([]);
        await store.savePatch(patch("patch_1"));
        expect(await store.getPatch("patch_1")).toEqual(patch("patch_1"));
      });
  });
}
