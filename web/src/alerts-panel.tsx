/** Alerts as stored: newest first, with how often they recurred and whether the webhook got them. */
import { dayTime, words } from "./format.js";
import type { Alert } from "./wire-types.js";

export function AlertsPanel({ alerts }: { alerts: readonly Alert[] | null }) {
  return (
    <section class="panel" aria-labelledby="alerts-title">
      <header class="panel-head">
        <h2 id="alerts-title">Alerts</h2>
        <span class="count">{alerts === null ? "…" : alerts.length}</span>
      </header>
      {alerts !== null && alerts.length === 0 && <p class="empty">No alerts.</p>}
      <ul class="alerts">
        {alerts?.map((a) => (
          <li key={a.alert_id} class={`alert ${a.severity}`} data-alert-kind={a.kind}>
            <div class="alert-head">
              <span class={`sev ${a.severity}`}>{a.severity}</span>
              <strong>{words(a.kind)}</strong>
              {a.kernel_id && <span> · {a.kernel_id}</span>}
              <span class="muted right">{dayTime(a.last_seen_at)}</span>
            </div>
            <div class="alert-text">{a.text}</div>
            <div class="muted small">
              {a.occurrences > 1 ? `${a.occurrences} times · ` : ""}
              {words(a.delivery_status)}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
