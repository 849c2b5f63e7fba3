import { describe, expect, it } from "vitest";
import { coveragePairs, layoutGraph, ringOrder } from "./graph-layout.js";
import type { KernelStatus } from "./wire-types.js";

function kernel(id: string, name: string, fields: Partial<KernelStatus> = {}): KernelStatus {
  return {
    kernel_id: id,
    kernel_name: name,
    tier: "specialized",
    rest_policy: "scheduled",
    status: "active",
    fatigue_score: 0,
    is_resting: false,
    covered_by: null,
    covered_also_by: null,
    covering_for: null,
    cover_share: 0,
    cycle: null,
    rest_threshold: 0.5,
    rest_count: 0,
    total_rest_time: 0,
    time_in_status: 0,
    ...fields,
  };
}

const PANTHEON = [
  kernel("zeus_1", "Zeus"),
  kernel("heart_1", "Heart", { tier: "essential", rest_policy: "never" }),
  kernel("apollo_1", "Apollo", { status: "resting", is_resting: true, covered_by: "athena_1" }),
  kernel("athena_1", "Athena", { covering_for: "apollo_1", cover_share: 1 }),
  kernel("ocean_1", "Ocean", { tier: "essential", rest_policy: "never" }),
];

describe("the coupling graph's layout", () => {
  it("puts essential kernels first, at the top of the ring, then the others by name", () => {
    expect(ringOrder(PANTHEON).map((k) => k.kernel_name)).toEqual([
      "Heart",
      "Ocean",
      "Apollo",
      "Athena",
      "Zeus",
    ]);
    const layout = layoutGraph(PANTHEON);
    const heart = layout.nodes.find((n) => n.id === "heart_1");
    expect(heart?.x).toBeCloseTo(layout.width / 2, 6);
    expect(Math.min(...layout.nodes.map((n) => n.y))).toBe(heart?.y);
  });

  it("draws one arrow from the coverer to the kernel it covers, whichever side of the record names it", () => {
    expect(coveragePairs(PANTHEON)).toEqual([{ from: "athena_1", to: "apollo_1" }]);
    const onlyCoverer = PANTHEON.map((k) => (k.kernel_id === "apollo_1" ? { ...k, covered_by: null } : k));
    expect(coveragePairs(onlyCoverer)).toEqual([{ from: "athena_1", to: "apollo_1" }]);
    const [edge] = layoutGraph(PANTHEON).edges;
    expect(edge).toMatchObject({ key: "athena_1->apollo_1", shared: false, share: 1 });
  });

  it("draws both coverers of a shared rest, each with its share, and bows the two arrows apart", () => {
    const shared = [
      kernel("apollo_1", "Apollo", {
        status: "resting",
        covered_by: "athena_1",
        covered_also_by: "zeus_1",
      }),
      kernel("athena_1", "Athena", { covering_for: "apollo_1", cover_share: 0.6 }),
      kernel("zeus_1", "Zeus", { covering_for: "apollo_1", cover_share: 0.4 }),
    ];
    const edges = layoutGraph(shared).edges;
    expect(edges.map((e) => [e.key, e.shared, e.share])).toEqual([
      ["athena_1->apollo_1", true, 0.6],
      ["zeus_1->apollo_1", true, 0.4],
    ]);
    expect(edges[0]?.path).not.toBe(edges[1]?.path);
  });

  it("draws no arrow to or from a kernel that is not registered", () => {
    const stray = [kernel("apollo_1", "Apollo", { status: "resting", covered_by: "ghost_1" })];
    expect(layoutGraph(stray).edges).toEqual([]);
  });

  it("keeps every god and its name inside the drawing", () => {
    const gods =
      "Zeus Hera Poseidon Hades Athena Apollo Artemis Ares Aphrodite Hephaestus Hermes Demeter Dionysus Persephone Heart Ocean"
        .split(" ")
        .map((name) => kernel(`${name.toLowerCase()}_1`, name));
    const layout = layoutGraph(gods);
    // At most about 8 px a character at the page's largest label size.
    const widthOf = (name: string) => name.length * 9.5;
    for (const n of layout.nodes) {
      expect(n.x - n.r, n.id).toBeGreaterThanOrEqual(0);
      expect(n.x + n.r, n.id).toBeLessThanOrEqual(layout.width);
      const label = n.label;
      if (!label) throw new Error(`${n.id} has no label`);
      const left =
        label.anchor === "start"
          ? label.x
          : label.anchor === "end"
            ? label.x - widthOf(n.name)
            : label.x - widthOf(n.name) / 2;
      expect(left, n.id).toBeGreaterThanOrEqual(0);
      expect(left + widthOf(n.name), n.id).toBeLessThanOrEqual(layout.width);
      expect(label.y, n.id).toBeLessThanOrEqual(layout.height);
      expect(label.y - 15, n.id).toBeGreaterThanOrEqual(0);
    }
  });

  it("puts chaos workers on outer rings, unlabelled, outside the gods' names", () => {
    const kernels = [
      kernel("zeus_1", "Zeus"),
      ...Array.from({ length: 150 }, (_, i) =>
        kernel(`chaos_code_${i}`, `chaos_code_${i}`, { tier: "chaos" }),
      ),
    ];
    const layout = layoutGraph(kernels);
    const center = { x: layout.width / 2, y: layout.height / 2 };
    const radius = (n: { x: number; y: number }) => Math.hypot(n.x - center.x, n.y - center.y);
    const zeus = layout.nodes.find((n) => n.id === "zeus_1");
    const chaos = layout.nodes.filter((n) => n.chaos);
    expect(chaos).toHaveLength(150);
    expect(chaos.every((n) => n.label === null)).toBe(true);
    expect(Math.min(...chaos.map(radius))).toBeGreaterThan(radius(zeus as { x: number; y: number }) + 60);
    expect(new Set(chaos.map((n) => Math.round(radius(n)))).size).toBeGreaterThan(1);
  });
});
