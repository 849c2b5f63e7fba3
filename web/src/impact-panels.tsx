/**
 * The impact report week by week (GET /api/report) and threshold calibration
 * (GET /api/self-healing/calibration). Both replay stored snapshots on the server, which
 * costs seconds over weeks of history, so neither is polled: the report is read once when
 * the page opens and on "refresh"; calibration only when asked for.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { getJson } from "./api.js";
import { num, words } from "./format.js";

interface Spread {
  count: number;
  median: number | null;
  p95: number | null;
}

interface WeekFigures {
  week_starts_at: string;
  detected: number;
  healed: number;
  escalated: number;
  false_positives: number;
  rollbacks: number;
  reviews: number;
  critical_share: number | null;
}

export interface ReportView {
  from_at: string;
  to_at: string;
  incidents: {
    detected: number;
    healed: number;
    escalated: number;
    open: number;
    healed_unattended: number;
    false_positives: number;
    rollbacks: number;
  };
  time_to_detect_seconds: Spread;
  time_to_heal_seconds: Spread;
  reviews: { decided: number; approved: number; rejected: number; time_to_decision_seconds: Spread };
  critical_share: number | null;
  kernel_hours: number;
  rests: { granted: number; refused: number | null; coverage_gap_seconds: number };
  estimate: { minutes_saved: number; note: string } | null;
  weeks: WeekFigures[];
}

interface Candidate {
  factor: number;
  threshold: number;
  alerts_per_day: number;
  incidents_caught: number;
  false_positives: number;
}

export interface CalibrationView {
  from_at: string;
  to_at: string;
  days: number;
  kernels: number;
  snapshots: number;
  incidents: number;
  rules: {
    rule: string;
    config_key: string;
    current: number;
    incidents: number;
    candidates: Candidate[];
    suggested: Candidate;
    kernel_overrides: { kernel_id: string; current: number; suggested: Candidate; alerts_now: number }[];
  }[];
}

type Loaded<T> =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "ready"; value: T }
  | { state: "failed"; message: string };

function useRead<T>(path: string, pick: (body: Record<string, unknown>) => T, atOnce: boolean) {
  const [read, setRead] = useState<Loaded<T>>(atOnce ? { state: "loading" } : { state: "idle" });
  const load = () => {
    setRead({ state: "loading" });
    getJson<Record<string, unknown>>(path).then(
      (body) => setRead({ state: "ready", value: pick(body) }),
      (err: unknown) =>
        setRead({ state: "failed", message: err instanceof Error ? err.message : String(err) }),
    );
  };
  // Read once when the panel opens; later reads only when asked for.
  useEffect(() => {
    if (atOnce) load();
  }, []);
  return [read, load] as const;
}

function spread(s: Spread): string {
  return s.count === 0 ? "none" : `median ${num(s.median, 0)} s, p95 ${num(s.p95, 0)} s`;
}

function percent(share: number | null): string {
  return share === null ? "–" : `${num(share * 100, 2)} %`;
}

export function ReportPanel() {
  const [read, load] = useRead("/api/report?since=30d", (b) => b.report as ReportView, true);
  const report = read.state === "ready" ? read.value : null;
  return (
    <section class="panel" aria-labelledby="report-title" data-panel="report">
      <header class="panel-head">
        <h2 id="report-title">Impact, last 30 days</h2>
        <button type="button" onClick={load} disabled={read.state === "loading"}>
          refresh
        </button>
      </header>
      {read.state === "failed" && <p class="banner">Could not read the report: {read.message}</p>}
      {report === null ? (
        read.state !== "failed" && <p class="empty">…</p>
      ) : (
        <>
          <ul class="report-figures">
            <li data-figure="incidents">
              {report.incidents.detected} incidents detected, {report.incidents.healed} healed (verified),{" "}
              {report.incidents.escalated} escalated, {report.incidents.false_positives} false positives,{" "}
              {report.incidents.rollbacks} rollbacks
            </li>
            <li>time to detect: {spread(report.time_to_detect_seconds)}</li>
            <li>time to heal: {spread(report.time_to_heal_seconds)}</li>
            <li data-figure="reviews">
              {report.reviews.decided} human reviews ({report.reviews.approved} approved,{" "}
              {report.reviews.rejected} rejected); time to decision{" "}
              {spread(report.reviews.time_to_decision_seconds)}
            </li>
            <li>
              kernel-time critical: {percent(report.critical_share)} of {num(report.kernel_hours, 1)}{" "}
              kernel-hours
            </li>
            <li>
              rests: {report.rests.granted} granted, {report.rests.refused ?? "unknown"} refused; coverage gap{" "}
              {report.rests.coverage_gap_seconds} s
            </li>
            {report.estimate && (
              <li data-figure="estimate">
                {report.estimate.minutes_saved} minutes saved — {report.estimate.note}
              </li>
            )}
          </ul>
          <WeeksChart weeks={report.weeks} />
          <div class="table-scroll">
            <table class="weeks">
              <thead>
                <tr>
                  <th>week from</th>
                  <th>detected</th>
                  <th>healed</th>
                  <th>escalated</th>
                  <th>false pos.</th>
                  <th>rollbacks</th>
                  <th>reviews</th>
                  <th>critical</th>
                </tr>
              </thead>
              <tbody>
                {report.weeks.map((w) => (
                  <tr key={w.week_starts_at} data-week={w.week_starts_at.slice(0, 10)}>
                    <td>{w.week_starts_at.slice(0, 10)}</td>
                    <td>{w.detected}</td>
                    <td>{w.healed}</td>
                    <td>{w.escalated}</td>
                    <td>{w.false_positives}</td>
                    <td>{w.rollbacks}</td>
                    <td>{w.reviews}</td>
                    <td>{percent(w.critical_share)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

const WEEK_SERIES: { key: "detected" | "healed" | "escalated"; stroke: string }[] = [
  { key: "detected", stroke: "#1f6feb" },
  { key: "healed", stroke: "#2a9d5c" },
  { key: "escalated", stroke: "#d1435b" },
];

/** Incidents detected, healed and escalated per week, one point a week. */
function WeeksChart({ weeks }: { weeks: WeekFigures[] }) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const data = [
      weeks.map((w) => Date.parse(w.week_starts_at) / 1000),
      ...WEEK_SERIES.map((s) => weeks.map((w) => w[s.key])),
    ] as uPlot.AlignedData;
    const chart = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: 140,
        // The key is drawn under the chart, where it wraps on a phone.
        legend: { show: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{ stroke: "#55606e" }, { stroke: "#55606e", size: 36 }],
        series: [
          {},
          ...WEEK_SERIES.map((s) => ({
            label: s.key,
            stroke: s.stroke,
            width: 1.75,
            points: { show: true },
          })),
        ],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(200, el.clientWidth), height: 140 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [weeks]);
  return (
    <figure class="weeks-chart" data-chart="report-weeks" data-points={weeks.length}>
      <div ref={holder} />
      <figcaption class="muted">
        incidents per week:{" "}
        {WEEK_SERIES.map((s) => (
          <span key={s.key} class="key" style={{ color: s.stroke }}>
            ■ {s.key}{" "}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function CalibrationPanel() {
  const [read, load] = useRead(
    "/api/self-healing/calibration?since=7d",
    (b) => b.calibration as CalibrationView,
    false,
  );
  const c = read.state === "ready" ? read.value : null;
  return (
    <section class="panel" aria-labelledby="calibration-title" data-panel="calibration">
      <header class="panel-head">
        <h2 id="calibration-title">Threshold calibration, last 7 days</h2>
        <button type="button" class="calibrate" onClick={load} disabled={read.state === "loading"}>
          {c ? "calibrate again" : "calibrate"}
        </button>
      </header>
      {read.state === "idle" && (
        <p class="muted">
          Replays the stored snapshots under looser and tighter thresholds and suggests, per rule and per
          kernel, the one that keeps every caught incident with the fewest alerts. It only reads.
        </p>
      )}
      {read.state === "loading" && <p class="empty">replaying…</p>}
      {read.state === "failed" && <p class="banner">Could not calibrate: {read.message}</p>}
      {c && (
        <>
          <p class="muted" data-calibration-summary>
            {c.kernels} kernels, {c.snapshots} snapshots, {c.incidents} incidents over {num(c.days, 1)} days
          </p>
          <div class="table-scroll">
            <table class="calibration">
              <thead>
                <tr>
                  <th>rule</th>
                  <th>now</th>
                  <th>suggested</th>
                  <th>alerts/day now → then</th>
                  <th>incidents kept</th>
                  <th>kernel overrides</th>
                </tr>
              </thead>
              <tbody>
                {c.rules.map((r) => {
                  const now = r.candidates.find((x) => x.factor === 1);
                  return (
                    <tr key={r.rule} data-rule={r.rule} class={r.suggested.factor === 1 ? "" : "changed"}>
                      <td title={`health.${r.config_key}`}>{words(r.rule)}</td>
                      <td>{r.current}</td>
                      <td data-suggested>{r.suggested.threshold}</td>
                      <td>
                        {num(now?.alerts_per_day, 2)} → {num(r.suggested.alerts_per_day, 2)}
                      </td>
                      <td>
                        {r.suggested.incidents_caught}/{r.incidents}
                      </td>
                      <td data-overrides>
                        {r.kernel_overrides
                          .map((k) => `${k.kernel_id} → ${k.suggested.threshold}`)
                          .join(", ") || "–"}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <p class="muted">
            Apply with `autonomic calibrate --write FILE`, then serve with that config layer.
          </p>
        </>
      )}
    </section>
  );
}
