/**
 * One uPlot chart: a measured series and its threshold lines. The chart is built once per
 * set of thresholds and fed new data in place, so a refresh keeps the cursor and costs a
 * redraw, not a rebuild; it follows its container's width.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { alignedData, type ChartSeries, type ChartSpec, type Threshold } from "./chart-data.js";
import { clockTime } from "./format.js";

const HEIGHT = 150;
const LINE = "#1f6feb";
const THRESHOLD_COLORS: Record<Threshold["kind"], string> = {
  critical: "#d1435b",
  warning: "#d98b16",
  target: "#6b7785",
};

interface Props {
  spec: ChartSpec;
  series: ChartSeries;
}

/** Writes the value under the cursor (or the newest, when the cursor leaves) into `readout`. */
function cursorReadout(readout: { current: HTMLElement | null }) {
  return (u: uPlot) => {
    const el = readout.current;
    if (!el) return;
    const xs = u.data[0];
    const ys = u.data[1] as (number | null | undefined)[];
    const i = u.cursor.idx ?? xs.length - 1;
    const y = ys[i];
    const x = xs[i];
    el.textContent =
      y === null || y === undefined || x === undefined
        ? "no data yet"
        : `${y.toFixed(3)}${u.cursor.idx === null || u.cursor.idx === undefined ? "" : ` at ${clockTime(x * 1000)}`}`;
  };
}

function options(spec: ChartSpec, width: number, readout: { current: HTMLElement | null }): uPlot.Options {
  const firstThreshold = 2;
  const show = cursorReadout(readout);
  return {
    width,
    height: HEIGHT,
    // The key is drawn beside the chart (thresholds only); the readout follows the cursor.
    legend: { show: false },
    hooks: { setCursor: [show], setData: [show] },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      y: spec.range ? { range: spec.range } : { auto: true },
    },
    axes: [
      { stroke: "#55606e", grid: { stroke: "#eef1f4" }, ticks: { stroke: "#dde2e8" } },
      { stroke: "#55606e", grid: { stroke: "#eef1f4" }, ticks: { stroke: "#dde2e8" }, size: 44 },
    ],
    series: [
      {},
      { label: spec.series, stroke: LINE, width: 1.75, points: { show: false }, spanGaps: true },
      ...spec.thresholds.map((t) => ({
        label: t.label,
        stroke: THRESHOLD_COLORS[t.kind],
        width: 1,
        dash: t.kind === "target" ? [2, 3] : [6, 4],
        points: { show: false },
      })),
    ],
    bands: spec.band
      ? [
          {
            series: [firstThreshold + spec.band[0], firstThreshold + spec.band[1]] as [number, number],
            fill: "rgba(217, 139, 22, 0.12)",
          },
        ]
      : [],
  };
}

export function KernelChart({ spec, series }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const readout = useRef<HTMLSpanElement>(null);
  const specKey = JSON.stringify(spec);

  // Rebuilt only when the thresholds change (specKey stands for spec, a new object each
  // render); new data goes in by the effect below.
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const chart = new uPlot(
      options(spec, Math.max(200, el.clientWidth), readout),
      alignedData(series, spec) as uPlot.AlignedData,
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== chart.width) chart.setSize({ width, height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [specKey]);

  useEffect(() => {
    plot.current?.setData(alignedData(series, spec) as uPlot.AlignedData);
  }, [series, spec]);

  return (
    <figure class="chart" data-chart={spec.id} data-points={series.xs.length}>
      <figcaption>
        <span>{spec.title}</span>
        <span class="latest" ref={readout} />
      </figcaption>
      <div ref={holder} class="plot" />
      <ul class="key">
        <li>
          <span class="key-line" style={{ borderTopColor: LINE }} />
          {spec.series}
        </li>
        {spec.thresholds.map((t) => (
          <li key={t.label} data-threshold={t.value}>
            <span
              class={`key-line ${t.kind === "target" ? "dotted" : "dashed"}`}
              style={{ borderTopColor: THRESHOLD_COLORS[t.kind] }}
            />
            {t.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}
