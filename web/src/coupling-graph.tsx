/**
 * The constellation as a coupling graph: one node per registered kernel, filled by rest
 * status, a double ring on essential kernels, a health dot when the monitor warns, and an
 * arrow from each coverer to the kernel it covers (dashed when two partners share it).
 * Clicking a kernel shows its charts.
 */
import { useMemo } from "preact/hooks";
import { STATUS_LABELS } from "./format.js";
import { layoutGraph } from "./graph-layout.js";
import type { HealthStatus, KernelStatus, RestStatus } from "./wire-types.js";

interface Props {
  kernels: readonly KernelStatus[];
  health: ReadonlyMap<string, HealthStatus>;
  selected: string | null;
  onSelect(kernelId: string): void;
}

const STATUSES: readonly RestStatus[] = ["active", "resting", "reduced", "micro_pause"];

export function CouplingGraph({ kernels, health, selected, onSelect }: Props) {
  const layout = useMemo(() => layoutGraph(kernels), [kernels]);
  if (kernels.length === 0)
    return <p class="empty">No kernel has registered yet: kernels appear here as they register.</p>;
  return (
    <div class="graph">
      <svg
        viewBox={`0 0 ${layout.width.toFixed(0)} ${layout.height.toFixed(0)}`}
        role="img"
        aria-label={`Coupling graph of ${kernels.length} kernels`}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
          </marker>
        </defs>
        <g class="edges">
          {layout.edges.map((e) => (
            <path
              key={e.key}
              d={e.path}
              class={e.shared ? "edge shared" : "edge"}
              marker-end="url(#arrow)"
              data-edge={e.key}
            >
              <title>
                {e.from} covers {e.to}
                {e.shared ? ` (shared, ${Math.round(e.share * 100)} % of the load)` : ""}
              </title>
            </path>
          ))}
        </g>
        <g class="nodes">
          {layout.nodes.map((n) => {
            const h = health.get(n.id);
            return (
              // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it takes the role instead
              <g
                key={n.id}
                class={`node status-${n.status}${n.id === selected ? " selected" : ""}`}
                data-kernel-id={n.id}
                data-status={n.status}
                data-essential={n.essential ? "true" : "false"}
                role="button"
                tabIndex={0}
                aria-label={`${n.name} (${n.id}): ${STATUS_LABELS[n.status]}, fatigue ${n.fatigue.toFixed(2)}`}
                onClick={() => onSelect(n.id)}
                onKeyDown={(event) => {
                  if (event.key === "Enter" || event.key === " ") {
                    event.preventDefault();
                    onSelect(n.id);
                  }
                }}
              >
                <title>
                  {n.name} ({n.id}) · {STATUS_LABELS[n.status]} · fatigue {n.fatigue.toFixed(2)}
                  {n.essential ? " · essential" : ""}
                  {h ? ` · health ${h}` : ""}
                </title>
                {n.essential && <circle cx={n.x} cy={n.y} r={n.r + 4} class="essential-ring" />}
                <circle cx={n.x} cy={n.y} r={n.r} class="disc" />
                {(h === "warning" || h === "critical") && (
                  <circle
                    cx={n.x + n.r * 0.72}
                    cy={n.y - n.r * 0.72}
                    r={n.chaos ? 3 : 5}
                    class={`health-dot ${h}`}
                  />
                )}
                {n.label && (
                  <text x={n.label.x} y={n.label.y} text-anchor={n.label.anchor} class="label">
                    {n.name}
                  </text>
                )}
              </g>
            );
          })}
        </g>
      </svg>
      <ul class="legend" aria-label="Legend">
        {STATUSES.map((s) => (
          <li key={s}>
            <span class={`swatch status-${s}`} />
            {STATUS_LABELS[s]}
          </li>
        ))}
        <li>
          <span class="swatch essential" />
          essential
        </li>
        <li>
          <span class="swatch arrow" />
          covers
        </li>
        <li>
          <span class="swatch arrow shared" />
          shared cover
        </li>
        <li>
          <span class="swatch health warning" />
          health warning / critical
        </li>
      </ul>
    </div>
  );
}
