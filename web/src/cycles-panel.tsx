/**
 * Constellation cycles: the one running (if any), Heart's and Ocean's latest votes, the
 * cooldowns, and the cycles recorded. A server without cycle routes shows "no cycles yet".
 */
import { clockTime, dayTime, duration, words } from "./format.js";
import type { CyclesView, VoterVote } from "./wire-types.js";

export function CyclesPanel({ cycles }: { cycles: CyclesView | "unavailable" | null }) {
  const view = cycles === "unavailable" ? null : cycles;
  const rows = view?.cycles.filter((c) => c.kind === "cycle") ?? [];
  const cooling = view ? Object.entries(view.cooldowns).filter(([, c]) => c.remaining_seconds > 0) : [];
  return (
    <section class="panel" aria-labelledby="cycles-title">
      <header class="panel-head">
        <h2 id="cycles-title">Constellation cycles</h2>
        {view?.active && (
          <span class="pill cycle-active" data-cycle-active={view.active.cycle_type}>
            {words(view.active.cycle_type)} running
          </span>
        )}
      </header>
      {view?.active && (
        <p>
          {words(view.active.cycle_type)} since {clockTime(view.active.started_at)}, planned until{" "}
          {clockTime(view.active.planned_until)}; {view.active.kernels.length} kernels at rest.
        </p>
      )}
      {view?.last_decision && (
        <div class="votes">
          <Vote who="Heart" vote={view.last_decision.votes.heart} />
          <Vote who="Ocean" vote={view.last_decision.votes.ocean} />
          <p class="muted">
            {dayTime(view.last_decision.at)}: {view.last_decision.reason}
          </p>
        </div>
      )}
      {cooling.length > 0 && (
        <p class="muted">
          cooling down: {cooling.map(([type, c]) => `${type} ${duration(c.remaining_seconds)}`).join(", ")}
        </p>
      )}
      {rows.length === 0 ? (
        <p class="empty" data-cycles="none">
          no cycles yet
        </p>
      ) : (
        <table class="cycles">
          <thead>
            <tr>
              <th>type</th>
              <th>started</th>
              <th>ended</th>
              <th>why</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id} data-cycle-row={c.cycle_type ?? ""}>
                <td>{words(c.cycle_type ?? "")}</td>
                <td>{dayTime(c.started_at)}</td>
                <td>{c.ended_at ? dayTime(c.ended_at) : "running"}</td>
                <td>{c.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Vote({ who, vote }: { who: string; vote: VoterVote }) {
  return (
    <div class={`vote ${vote.vote ? "yes" : "no"}`} data-voter={who} data-vote={vote.vote ? "yes" : "no"}>
      <strong>{who}</strong> {vote.vote ? "yes" : "no"} <span class="muted">({vote.source})</span>
      <div class="muted small">{vote.reasoning}</div>
    </div>
  );
}
