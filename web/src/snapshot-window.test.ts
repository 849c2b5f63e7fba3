import { describe, expect, it } from "vitest";
import { mergeNewest, sinceOf } from "./snapshot-window.js";
import type { SnapshotRow } from "./wire-types.js";

const row = (id: number, at: number): SnapshotRow => ({
  id,
  kernel_id: "apollo_1",
  at: new Date(at).toISOString(),
  phi: 0.7,
  kappa_eff: 64,
  basin_drift: 0,
});

describe("a chart's snapshot window", () => {
  it("asks for rows since the newest it holds, in epoch seconds", () => {
    expect(sinceOf([])).toBeNull();
    expect(sinceOf([row(2, 1_700_000_001_500), row(1, 1_700_000_000_000)])).toBe("1700000001.5");
  });

  it("adds what is new once, recognising the newest row the inclusive read sends again", () => {
    const known = [row(2, 2000), row(1, 1000)];
    const merged = mergeNewest(known, [row(4, 3000), row(3, 2000), row(2, 2000)], 10);
    expect(merged.map((r) => r.id)).toEqual([4, 3, 2, 1]);
    expect(mergeNewest(merged, [row(4, 3000)], 10)).toEqual(merged);
  });

  it("keeps only the newest rows once the window is full", () => {
    const known = [row(3, 3000), row(2, 2000), row(1, 1000)];
    expect(mergeNewest(known, [row(5, 5000), row(4, 4000)], 3).map((r) => r.id)).toEqual([5, 4, 3]);
  });
});
