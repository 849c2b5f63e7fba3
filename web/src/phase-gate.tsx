/**
 * The healing phase and its gate: each criterion's value against its target, computed by the
 * server from its own records, and the recorded history of phase changes.
 */
import { dayTime, words } from "./format.js";
import { gateProgress, gateValue } from "./gate-progress.js";
import type { PhaseView } from "./wire-types.js";

export function PhaseGate({ phase }: { phase: PhaseView | null }) {
  return (
    <section class="panel" aria-labelledby="phase-title">
      <header class="panel-head">
        <h2 id="phase-title">Healing phase</h2>
        {phase && (
          <span class="count" data-phase={phase.phase}>
            {phase.phase} · {words(phase.name)} · loop {phase.running ? "running" : "stopped"}
          </span>
        )}
      </header>
      {phase === null ? (
        <p class="empty">…</p>
      ) : phase.next === null ? (
        <p class="muted">Autonomous: no further phase. Ongoing checks:</p>
      ) : (
        <p class="muted">
          Gate to phase {phase.next} ({words(phase.next_name ?? "")}): {phase.met ? "met" : "not met yet"}
        </p>
      )}
      {phase && (
        <ul class="criteria">
          {phase.criteria.map((c) => {
            const progress = gateProgress(c);
            return (
              <li key={c.name} class={c.met ? "met" : "unmet"} data-criterion={c.name}>
                <div class="criterion-head">
                  <span class="mark" aria-hidden="true">
                    {c.met ? "✓" : "✗"}
                  </span>
                  <span class="criterion-name">{words(c.name)}</span>
                  <span class="criterion-value">
                    {gateValue(c)} <span class="muted">/ {c.target}</span>
                  </span>
                </div>
                <div class="criterion-desc muted">{c.description}</div>
                {progress !== null && (
                  <div
                    class="bar"
                    role="progressbar"
                    aria-label={c.name}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={Math.round(progress * 100)}
                  >
                    <span style={{ width: `${progress * 100}%` }} />
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {phase && phase.history.length > 0 && (
        <details>
          <summary>{phase.history.length} phase changes</summary>
          <ul class="history">
            {[...phase.history].reverse().map((h) => (
              <li key={`${h.at}:${h.to_phase}`}>
                {dayTime(h.at)} {h.from_phase} → {h.to_phase} by {h.actor}
                {h.forced ? ` (forced: ${h.reason ?? ""})` : ""}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
