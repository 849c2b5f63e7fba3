/** The top bar: the constellation in numbers, the healing phase, the cluster, and whether the page is live. */
import { clusterLine } from "./cluster-line.js";
import type { DashboardData } from "./dashboard-store.js";
import { num, STATUS_LABELS, words } from "./format.js";
import type { RestStatus } from "./wire-types.js";

const FEED_LABELS = { connecting: "connecting…", live: "live", reconnecting: "reconnecting…" } as const;

export function SummaryBar({ data }: { data: DashboardData }) {
  const kernels = data.kernels ?? [];
  const counts: Record<RestStatus, number> = { active: 0, resting: 0, reduced: 0, micro_pause: 0 };
  for (const k of kernels) counts[k.status]++;
  const c = data.constellation;
  const cluster = clusterLine(data.cluster);
  return (
    <header class="summary">
      <h1>Autonomic</h1>
      <ul class="figures">
        {(Object.keys(counts) as RestStatus[]).map((s) => (
          <li key={s} class={`figure status-${s}`}>
            <span class="dot" />
            {counts[s]} {STATUS_LABELS[s]}
          </li>
        ))}
        <li class="figure">{c ? c.covering_kernels : "–"} covering</li>
        <li class="figure">avg fatigue {c ? num(c.avg_fatigue) : "–"}</li>
        {data.health && (
          <li class={`figure health-${data.health.worst}`}>worst health: {words(data.health.worst)}</li>
        )}
        {data.phase && <li class="figure">phase {data.phase.phase}</li>}
        {cluster && (
          <li class={`figure cluster${cluster.ready ? "" : " health-critical"}`} data-cluster>
            {cluster.text}
          </li>
        )}
      </ul>
      <span class={`feed feed-${data.feed}`} data-feed={data.feed} role="status">
        {FEED_LABELS[data.feed]}
      </span>
    </header>
  );
}
