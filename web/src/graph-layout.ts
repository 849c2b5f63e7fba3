/**
 * Where the coupling graph puts each kernel and coverage arrow. Gods sit on one ring, in a
 * fixed order so nothing jumps as rests come and go; chaos workers, if any, on outer rings. Arrows run from coverer to covered, bowed a little so the two
 * coverers of a shared rest (and two kernels covering each other in turn) stay apart.
 */
import type { KernelStatus, RestStatus } from "./wire-types.js";

export interface GraphNode {
  id: string;
  name: string;
  status: RestStatus;
  essential: boolean;
  chaos: boolean;
  fatigue: number;
  x: number;
  y: number;
  r: number;
  /** Label position and anchor, outside the ring; null for chaos workers (too many to name). */
  label: { x: number; y: number; anchor: "start" | "middle" | "end" } | null;
}

export interface GraphEdge {
  /** `${from}->${to}` */
  key: string;
  from: string;
  to: string;
  /** The covered kernel has two coverers sharing its load. */
  shared: boolean;
  /** This coverer's share of the carried load, 0..1. */
  share: number;
  /** SVG path from the coverer's edge to the covered one's. */
  path: string;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const GOD_RADIUS = 17;
const CHAOS_RADIUS = 7;
/** Arc length per god on the ring: room for a node and its neighbours' labels. */
const GOD_SPACING = 66;
const CHAOS_SPACING = 20;
const MIN_RING = 120;
const LABEL_GAP = 8;
// Room for the longest god name ("Persephone") beside the ring, at the phone's larger type.
const MARGIN_X = 118;
const MARGIN_Y = 44;
/** How far an arrow bows from the straight line, as a fraction of its length. */
const BOW = 0.12;
/** Gap left between an arrowhead and the node it points at. */
const ARROW_GAP = 4;

/** Essential gods first (they sit at the top), then by name, so a kernel keeps its place as states change. */
export function ringOrder(kernels: readonly KernelStatus[]): KernelStatus[] {
  return [...kernels].sort(
    (a, b) =>
      Number(b.tier === "essential") - Number(a.tier === "essential") ||
      a.kernel_name.localeCompare(b.kernel_name) ||
      a.kernel_id.localeCompare(b.kernel_id),
  );
}

/** Coverer → covered pairs from both sides of the coverage record, once each. */
export function coveragePairs(kernels: readonly KernelStatus[]): { from: string; to: string }[] {
  const ids = new Set(kernels.map((k) => k.kernel_id));
  const pairs = new Map<string, { from: string; to: string }>();
  const add = (from: string | null, to: string) => {
    if (from === null || !ids.has(from) || !ids.has(to) || from === to) return;
    pairs.set(`${from}->${to}`, { from, to });
  };
  for (const k of kernels) {
    add(k.covered_by, k.kernel_id);
    add(k.covered_also_by, k.kernel_id);
    if (k.covering_for !== null) add(k.kernel_id, k.covering_for);
  }
  return [...pairs.values()];
}

export function layoutGraph(kernels: readonly KernelStatus[]): GraphLayout {
  const gods = ringOrder(kernels.filter((k) => k.tier !== "chaos"));
  const chaos = kernels
    .filter((k) => k.tier === "chaos")
    .sort((a, b) => a.kernel_id.localeCompare(b.kernel_id));
  const godRing = Math.max(MIN_RING, (gods.length * GOD_SPACING) / (2 * Math.PI));

  // Chaos rings outside the gods' labels, each as full as its circumference allows.
  const chaosRings: { radius: number; members: KernelStatus[] }[] = [];
  let radius = godRing + 84;
  for (let i = 0; i < chaos.length; ) {
    const capacity = Math.max(1, Math.floor((2 * Math.PI * radius) / CHAOS_SPACING));
    chaosRings.push({ radius, members: chaos.slice(i, i + capacity) });
    i += capacity;
    radius += CHAOS_SPACING * 1.4;
  }
  const outer = chaosRings.at(-1)?.radius ?? godRing;
  const cx = outer + MARGIN_X;
  const cy = outer + MARGIN_Y;
  const width = 2 * cx;
  const height = 2 * cy;

  const nodes: GraphNode[] = [];
  const place = (k: KernelStatus, angle: number, ringRadius: number, chaosNode: boolean) => {
    const r = chaosNode ? CHAOS_RADIUS : GOD_RADIUS;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const labelRadius = ringRadius + r + LABEL_GAP;
    const anchor = Math.abs(cos) < 0.3 ? "middle" : cos > 0 ? "start" : "end";
    nodes.push({
      id: k.kernel_id,
      name: k.kernel_name,
      status: k.status,
      essential: k.tier === "essential",
      chaos: chaosNode,
      fatigue: k.fatigue_score,
      x: cx + ringRadius * cos,
      y: cy + ringRadius * sin,
      r,
      label: chaosNode
        ? null
        : {
            x: cx + labelRadius * cos,
            // Labels below the ring sit a line lower, above it on their baseline.
            y: cy + labelRadius * sin + (sin > 0.3 ? 10 : sin < -0.3 ? -2 : 4),
            anchor,
          },
    });
  };
  // From the top, clockwise.
  gods.forEach((k, i) => {
    place(k, -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, gods.length), godRing, false);
  });
  for (const ring of chaosRings)
    ring.members.forEach((k, i) => {
      place(k, -Math.PI / 2 + (2 * Math.PI * i) / ring.members.length, ring.radius, true);
    });

  const at = new Map(nodes.map((n) => [n.id, n]));
  const byId = new Map(kernels.map((k) => [k.kernel_id, k]));
  const edges: GraphEdge[] = [];
  for (const { from, to } of coveragePairs(kernels)) {
    const a = at.get(from) as GraphNode;
    const b = at.get(to) as GraphNode;
    const covered = byId.get(to) as KernelStatus;
    const coverer = byId.get(from) as KernelStatus;
    edges.push({
      key: `${from}->${to}`,
      from,
      to,
      shared: covered.covered_also_by !== null,
      share: coverer.covering_for === to ? coverer.cover_share : 1,
      path: bowedArrow(a, b),
    });
  }
  return { width, height, nodes, edges };
}

/** A quadratic curve from a's rim to b's, bowed to the right of the direction of travel. */
export function bowedArrow(
  a: { x: number; y: number; r: number },
  b: { x: number; y: number; r: number },
): string {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy) || 1;
  const control = {
    x: (a.x + b.x) / 2 - (dy / length) * BOW * length,
    y: (a.y + b.y) / 2 + (dx / length) * BOW * length,
  };
  const rim = (p: { x: number; y: number }, toward: { x: number; y: number }, by: number) => {
    const ux = toward.x - p.x;
    const uy = toward.y - p.y;
    const d = Math.hypot(ux, uy) || 1;
    return { x: p.x + (ux / d) * by, y: p.y + (uy / d) * by };
  };
  const start = rim(a, control, a.r);
  const end = rim(b, control, b.r + ARROW_GAP);
  const f = (n: number) => n.toFixed(1);
  return `M${f(start.x)},${f(start.y)} Q${f(control.x)},${f(control.y)} ${f(end.x)},${f(end.y)}`;
}
