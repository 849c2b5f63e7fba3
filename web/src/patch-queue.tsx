/**
 * The review queue: every patch waiting in pending_review with its sandbox fitness term by
 * term as the server stored it (whichever formula scored it: SPEC §5 leaves the terms to us), and approve / reject (optionally "not needed", which the
 * phase 3 gate counts as a false positive). Below it, the latest patch moves, since in
 * phase 4 patches rarely wait for anyone.
 */
import { useState } from "preact/hooks";
import type { Operator } from "./api.js";
import { clockTime, num, words } from "./format.js";
import type { FitnessTerm, Patch } from "./wire-types.js";

/** What a term adds: a weighted term its share of the sum; a gate (no weight) multiplies or caps it. */
function termTitle(t: FitnessTerm): string {
  if (t.weight === null || t.contribution === null) return `gate ${num(t.value, 3)}`;
  return `${t.weight} × ${num(t.value, 3)} = ${num(t.contribution, 3)}`;
}

type Decide = (
  patchId: string,
  decision: "approve" | "reject",
  body: { reason?: string; not_needed?: boolean },
) => Promise<unknown>;

interface Props {
  pending: readonly Patch[] | null;
  recent: readonly Patch[] | null;
  phase: number | null;
  operator: Operator;
  tokenRequired: boolean;
  /** What the token the page reads with may do; an operator's needs no second token. */
  role: "viewer" | "kernel" | "operator" | null;
  onOperator(operator: Operator): void;
  decide: Decide;
}

export function PatchQueue({
  pending,
  recent,
  phase,
  operator,
  tokenRequired,
  role,
  onOperator,
  decide,
}: Props) {
  const readOnly = tokenRequired && role !== null && role !== "operator";
  return (
    <section class="panel" aria-labelledby="queue-title">
      <header class="panel-head">
        <h2 id="queue-title">Patch review</h2>
        <span class="count" data-pending-count={pending?.length ?? 0}>
          {pending === null ? "…" : `${pending.length} waiting`}
        </span>
      </header>
      <div class="operator">
        <label>
          acting as
          <input
            value={operator.actor}
            maxLength={64}
            onInput={(e) => onOperator({ ...operator, actor: (e.target as HTMLInputElement).value })}
          />
        </label>
        {tokenRequired && role !== "operator" && (
          <label>
            operator token
            <input
              type="password"
              autocomplete="off"
              value={operator.token}
              onInput={(e) => onOperator({ ...operator, token: (e.target as HTMLInputElement).value })}
            />
          </label>
        )}
      </div>
      {readOnly && operator.token === "" && (
        <p class="muted" data-read-only>
          This page reads with a {role} token: approving or rejecting needs the operator token above.
        </p>
      )}
      {pending !== null && pending.length === 0 && (
        <p class="empty">
          Nothing waits for review.{" "}
          {phase !== null && phase < 3
            ? `Patches wait here from phase 3 (now ${phase}).`
            : phase === 4
              ? "Phase 4 applies patches above the threshold on its own."
              : ""}
        </p>
      )}
      <ul class="patches">
        {pending?.map((p) => (
          <PendingPatch key={p.patch_id} patch={p} decide={decide} />
        ))}
      </ul>
      {recent && recent.length > 0 && (
        <>
          <h3>Latest moves</h3>
          <table class="recent">
            <tbody>
              {recent.map((p) => (
                <tr key={p.patch_id}>
                  <td>{clockTime(p.updated_at)}</td>
                  <td>{p.kernel_id}</td>
                  <td>{words(p.action.type)}</td>
                  <td>
                    <span class={`state state-${p.state}`}>{words(p.state)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function PendingPatch({ patch, decide }: { patch: Patch; decide: Decide }) {
  const [reason, setReason] = useState("");
  const [notNeeded, setNotNeeded] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fitness = patch.record.sandbox;

  const act = async (decision: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    const body: { reason?: string; not_needed?: boolean } = {};
    if (reason.trim() !== "") body.reason = reason.trim();
    if (decision === "reject" && notNeeded) body.not_needed = true;
    try {
      await decide(patch.patch_id, decision, body);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <li class="patch" data-patch-id={patch.patch_id}>
      <div class="patch-title">
        <strong>{words(patch.action.type)}</strong> on <strong>{patch.kernel_id}</strong>
        <span class="muted"> · {words(patch.strategy)}</span>
      </div>
      <p class="rationale">{patch.rationale}</p>
      {fitness ? (
        <div class="fitness">
          <div class="fitness-total">
            fitness <strong>{num(fitness.score)}</strong>
            <span class={`rec rec-${fitness.recommendation}`}>{words(fitness.recommendation ?? "")}</span>
            <span class="muted" data-formula={fitness.formula}>
              {" "}
              {fitness.formula}
              {fitness.target && ` · target ${words(fitness.target)}`}
            </span>
          </div>
          <ul class="terms">
            {fitness.terms.map((t) => (
              <li key={t.name} data-term={t.name} title={termTitle(t)}>
                <span class="term-name">
                  {words(t.name)} <span class="muted">{t.weight === null ? "gate" : `×${t.weight}`}</span>
                </span>
                <span class="bar">
                  <span style={{ width: `${Math.max(0, Math.min(1, t.value)) * 100}%` }} />
                </span>
                <span class="term-value">{num(t.value)}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p class="muted">No sandbox result.</p>
      )}
      <div class="decide">
        <input
          placeholder="reason (optional)"
          aria-label={`Reason for the decision on ${patch.patch_id}`}
          value={reason}
          maxLength={1000}
          onInput={(e) => setReason((e.target as HTMLInputElement).value)}
        />
        <label class="check">
          <input
            type="checkbox"
            checked={notNeeded}
            onChange={(e) => setNotNeeded((e.target as HTMLInputElement).checked)}
          />
          not needed
        </label>
        <button type="button" class="approve" disabled={busy} onClick={() => void act("approve")}>
          Approve
        </button>
        <button type="button" class="reject" disabled={busy} onClick={() => void act("reject")}>
          Reject
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
