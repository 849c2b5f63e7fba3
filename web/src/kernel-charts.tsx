/**
 * The chosen kernel's live charts: Φ, κ, fatigue and basin drift, each with its thresholds.
 * Any kernel the rest scheduler or the health monitor knows can be chosen, here or by
 * clicking it in the graph.
 */
import { useMemo } from "preact/hooks";
import { chartSpecs, fatigueSeries, snapshotSeries } from "./chart-data.js";
import { clockTime, STATUS_LABELS } from "./format.js";
import { KernelChart } from "./kernel-chart.js";
import { useKernelHistory } from "./kernel-history.js";
import type { DashboardConfig, KernelStatus, SnapshotRow } from "./wire-types.js";

interface Props {
  config: DashboardConfig | null;
  kernels: readonly KernelStatus[];
  /** Kernels the health monitor knows (some may report without a rest registration). */
  monitored: readonly string[];
  selected: string | null;
  /** Kernels and health have been read once, so which sources a kernel has is known. */
  ready: boolean;
  onSelect(kernelId: string): void;
}

/** The newest snapshot's label and context, as the kernel sent them. */
function LatestReport({ row }: { row: SnapshotRow | null }) {
  if (row === null || ((row.label ?? null) === null && (row.context ?? null) === null)) return null;
  const context = row.context ? JSON.stringify(row.context) : null;
  return (
    <p class="latest-report" data-testid="latest-report">
      <span class="muted">latest report {clockTime(row.at)}</span>
      {row.label && <span class="report-label">{row.label}</span>}
      {context && (
        <code class="report-context" title={context}>
          {context.length > 160 ? `${context.slice(0, 159)}…` : context}
        </code>
      )}
    </p>
  );
}

export function KernelCharts({ config, kernels, monitored, selected, ready, onSelect }: Props) {
  const choices = useMemo(() => {
    const ids = new Set([...kernels.map((k) => k.kernel_id), ...monitored]);
    return [...ids].sort();
  }, [kernels, monitored]);
  const kernel = kernels.find((k) => k.kernel_id === selected) ?? null;
  const history = useKernelHistory(
    selected,
    { registered: kernel !== null, monitored: selected !== null && monitored.includes(selected) },
    ready ? (config?.drift.mode ?? null) : null,
  );

  const restThreshold = history?.fatigue?.rest_threshold ?? kernel?.rest_threshold ?? null;
  const specs = useMemo(
    () => (config ? chartSpecs(config, restThreshold, history?.drift ?? null) : []),
    [config, restThreshold, history?.drift],
  );
  const series = useMemo(() => {
    const snaps = snapshotSeries(history?.snapshots ?? []);
    return { ...snaps, fatigue: fatigueSeries(history?.fatigue?.fatigue ?? []) };
  }, [history]);

  return (
    <section class="panel charts-panel" aria-labelledby="charts-title">
      <header class="panel-head">
        <h2 id="charts-title">Kernel</h2>
        <select
          aria-label="Kernel shown in the charts"
          value={selected ?? ""}
          onChange={(event) => onSelect((event.target as HTMLSelectElement).value)}
        >
          {selected === null && <option value="">choose a kernel</option>}
          {choices.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
        {kernel && (
          <span class={`pill status-${kernel.status}`}>
            {STATUS_LABELS[kernel.status]}
            {kernel.covered_by ? ` · covered by ${kernel.covered_by}` : ""}
            {kernel.covering_for ? ` · covering ${kernel.covering_for}` : ""}
          </span>
        )}
      </header>
      {history?.error && <p class="warn">Charts not refreshed: {history.error}</p>}
      <LatestReport row={history?.snapshots[0] ?? null} />
      {selected === null ? (
        <p class="empty">Charts appear once a kernel reports.</p>
      ) : (
        <div class="chart-grid">
          {specs.map((spec) => (
            <KernelChart key={`${selected}:${spec.id}`} spec={spec} series={series[spec.id]} />
          ))}
        </div>
      )}
    </section>
  );
}
