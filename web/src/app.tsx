/**
 * The dashboard page: a summary bar, the coupling graph beside the chosen kernel's charts,
 * then review, the phase gate, the impact report, calibration, cycles and alerts. State comes
 * from the DashboardStore; the chosen kernel lives in the address (#kernel=…), so a reload or
 * a shared link keeps it.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { AlertsPanel } from "./alerts-panel.js";
import type { Operator } from "./api.js";
import { CouplingGraph } from "./coupling-graph.js";
import { CyclesPanel } from "./cycles-panel.js";
import { DashboardStore } from "./dashboard-store.js";
import { ringOrder } from "./graph-layout.js";
import { CalibrationPanel, ReportPanel } from "./impact-panels.js";
import { KernelCharts } from "./kernel-charts.js";
import { PatchQueue } from "./patch-queue.js";
import { PhaseGate } from "./phase-gate.js";
import { SummaryBar } from "./summary-bar.js";
import { TokenPrompt } from "./token-prompt.js";
import type { HealthStatus } from "./wire-types.js";

const ACTOR_KEY = "autonomic.actor";
/** The operator token for review, beside the token the page reads with (api.ts); both for this tab only. */
const TOKEN_KEY = "autonomic.operatorToken";

function kernelInHash(): string | null {
  const match = /(?:^#|&)kernel=([^&]+)/.exec(window.location.hash);
  return match ? decodeURIComponent(match[1] as string) : null;
}

function savedOperator(): Operator {
  return {
    actor: window.localStorage.getItem(ACTOR_KEY) ?? "dashboard",
    // The token stays for this tab only.
    token: window.sessionStorage.getItem(TOKEN_KEY) ?? "",
  };
}

export function App() {
  const store = useMemo(() => new DashboardStore(), []);
  const [data, setData] = useState(store.current);
  const [chosen, setChosen] = useState<string | null>(kernelInHash);
  const [operator, setOperator] = useState<Operator>(savedOperator);

  useEffect(() => {
    const unsubscribe = store.subscribe(setData);
    store.start();
    return () => {
      unsubscribe();
      store.stop();
    };
  }, [store]);

  useEffect(() => {
    const follow = () => setChosen(kernelInHash());
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);

  const kernels = data.kernels ?? [];
  const monitored = useMemo(() => data.health?.kernels.map((k) => k.kernel_id) ?? [], [data.health]);
  const health = useMemo(
    () => new Map<string, HealthStatus>(data.health?.kernels.map((k) => [k.kernel_id, k.status]) ?? []),
    [data.health],
  );
  // Until one is chosen, the first kernel of the graph (essential gods come first).
  const selected = chosen ?? ringOrder(kernels)[0]?.kernel_id ?? monitored[0] ?? null;

  const select = (kernelId: string) => {
    window.history.replaceState(null, "", `#kernel=${encodeURIComponent(kernelId)}`);
    setChosen(kernelId);
  };
  const changeOperator = (next: Operator) => {
    window.localStorage.setItem(ACTOR_KEY, next.actor);
    window.sessionStorage.setItem(TOKEN_KEY, next.token);
    setOperator(next);
  };
  const failures = Object.entries(data.failed);

  if (data.tokenPrompt !== null)
    return (
      <>
        <SummaryBar data={data} />
        <main>
          <TokenPrompt reason={data.tokenPrompt} onToken={(token) => store.useToken(token)} />
        </main>
      </>
    );

  return (
    <>
      <SummaryBar data={data} />
      {failures.length > 0 && (
        <p class="banner" role="status">
          Could not read {failures.map(([view, message]) => `${view} (${message})`).join("; ")}; showing the
          last reply.
        </p>
      )}
      <main>
        <section class="panel graph-panel" aria-labelledby="graph-title">
          <header class="panel-head">
            <h2 id="graph-title">Constellation</h2>
            <span class="count">{data.kernels === null ? "…" : `${kernels.length} kernels`}</span>
          </header>
          {data.kernels === null ? (
            <p class="empty">Loading…</p>
          ) : (
            <CouplingGraph kernels={kernels} health={health} selected={selected} onSelect={select} />
          )}
        </section>
        <KernelCharts
          config={data.config}
          kernels={kernels}
          monitored={monitored}
          selected={selected}
          ready={data.kernels !== null && data.health !== null}
          onSelect={select}
        />
        <PatchQueue
          pending={data.pending}
          recent={data.recent}
          phase={data.phase?.phase ?? null}
          operator={operator}
          tokenRequired={data.config?.operator_token_required ?? false}
          role={data.access?.role ?? null}
          onOperator={changeOperator}
          decide={(id, decision, body) => store.decide(id, decision, body, operator)}
        />
        <PhaseGate phase={data.phase} />
        <ReportPanel />
        <CalibrationPanel />
        <CyclesPanel cycles={data.cycles} />
        <AlertsPanel alerts={data.alerts} />
      </main>
    </>
  );
}
