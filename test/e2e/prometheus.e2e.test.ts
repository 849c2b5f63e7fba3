/**
 * Autonomic under the real Prometheus tools: a running server (`autonomic serve` as a child
 * process) with kernels that reported snapshots and rest; its /metrics passes
 * `promtool check metrics`; every Grafana panel and alert rule in deploy/ reads metrics that
 * scrape really has, through the dashboard's datasource variable; and a real Prometheus,
 * configured from deploy/prometheus.yml, scrapes the server, loads the rules, answers a
 * query for a kernel's Φ and holds its low-Φ alert pending.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { exportedMetricNames, labelValuesMetric, metricNamesIn } from "../support/metric-names.js";
import {
  type PrometheusAlert,
  type PrometheusProcess,
  startPrometheus,
} from "../support/prometheus-process.js";
import { requireTool, runTool } from "../support/prometheus-tools.js";
import {
  REPO_ROOT,
  type ServerProcess,
  startServerProcess,
  stopAllServers,
} from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 120_000;
const POLL_DEADLINE_MS = 60_000;
const DIM = 8;
/** apollo_1 reports Φ this low: critical within its window, and below the alert's 0.65. */
const APOLLO_PHI = 0.52;
/** Prometheus's own series for a target, not from /metrics. */
const PROMETHEUS_SYNTHETIC = new Set(["up"]);

const stores = storeLocations("autonomic-prometheus-e2e-");
let server: ServerProcess;
let scrape: string;
let promtool: string;
let prometheusBinary: string;

async function post(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const reply = await response.json();
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(reply)}`);
  return reply;
}

const basin = (i: number) => Array.from({ length: DIM }, (_, j) => (j === i ? 1 : 0.1));

beforeAll(async () => {
  promtool = requireTool("promtool");
  prometheusBinary = requireTool("prometheus");
  server = await startServerProcess({ db: await stores.fresh("sqlite") });
  await post("/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" });
  await post("/api/rest/kernels", { kernel_id: "athena_1", kernel_name: "Athena" });
  const snapshots = [];
  for (let i = 0; i < 12; i++) {
    snapshots.push({ kernel_id: "apollo_1", phi: APOLLO_PHI, kappa_eff: 64, basin_coords: basin(0) });
    snapshots.push({ kernel_id: "athena_1", phi: 0.78, kappa_eff: 64.2, basin_coords: basin(1) });
  }
  await post("/api/self-healing/snapshots", { snapshots });
  await post("/api/rest/fatigue/apollo_1", { phi: 0.3, kappa: 50, load: 0.7 });
  const rest = (await post("/api/rest/request/apollo_1", {})) as { approved: boolean };
  if (!rest.approved) throw new Error(`apollo_1's rest was refused: ${JSON.stringify(rest)}`);
  scrape = await (await fetch(`${server.url}/metrics`)).text();
}, SLOW);

afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

describe("the server's /metrics", () => {
  it("holds the kernels' health, rest and degradation series", () => {
    expect(scrape).toMatch(new RegExp(`^geometric_health_phi\\{kernel="apollo_1"\\} ${APOLLO_PHI}$`, "m"));
    expect(scrape).toMatch(/^geometric_health_kernel_status\{kernel="apollo_1",severity="critical"\} 1$/m);
    expect(scrape).toMatch(
      /^geometric_health_degradations_total\{kernel="apollo_1",severity="(warning|critical)"\} 1$/m,
    );
    expect(scrape).toMatch(
      /^geometric_health_basin_drift_threshold\{kernel="athena_1",severity="critical"\} 2$/m,
    );
    expect(scrape).toMatch(/^autonomic_rest_kernels\{status="resting"\} 1$/m);
    expect(scrape).toMatch(/^autonomic_rest_coverage_gap\{kernel="apollo_1"\} 0$/m);
  });

  it("passes promtool check metrics with no problem reported", async () => {
    const run = await runTool(promtool, ["check", "metrics"], { stdin: scrape });
    expect(run.output).toBe("");
    expect(run.code).toBe(0);
  });
});

interface GrafanaTarget {
  datasource?: { type?: string; uid?: string };
  expr?: string;
}
interface GrafanaPanel {
  title: string;
  type: string;
  datasource?: { type?: string; uid?: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
  fieldConfig?: { defaults?: { thresholds?: { steps: { value: number | null }[] } } };
}
interface GrafanaVariable {
  type: string;
  name: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
  current?: { value?: unknown };
}

const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, "deploy/grafana-dashboard.json"), "utf8")) as {
  __inputs: { name: string; type: string; pluginId: string }[];
  schemaVersion: number;
  panels: GrafanaPanel[];
  templating: { list: GrafanaVariable[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== "row");
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? "" })));
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template
const VARIABLE_DS = { type: "prometheus", uid: "${datasource}" };

describe("the Grafana dashboard", () => {
  it("asks for a Prometheus data source on import and makes it the datasource variable", () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ type: "datasource", pluginId: "prometheus" }),
    ]);
    const input = dashboard.__inputs[0]?.name;
    const variable = dashboard.templating.list.find((v) => v.type === "datasource");
    expect(variable).toMatchObject({
      name: "datasource",
      query: "prometheus",
      current: { value: `\${${input}}` },
    });
  });

  it("queries through the datasource variable in every panel, query and variable", () => {
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual(VARIABLE_DS);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets ?? []) expect(t.datasource, panel.title).toEqual(VARIABLE_DS);
    }
    for (const v of dashboard.templating.list.filter((v) => v.type === "query"))
      expect(v.datasource, v.name).toEqual(VARIABLE_DS);
  });

  it("has a kernel variable from label_values that the per-kernel panels filter on", () => {
    const kernel = dashboard.templating.list.find((v) => v.name === "kernel");
    const query = typeof kernel?.query === "string" ? kernel.query : (kernel?.query?.query ?? "");
    expect(labelValuesMetric(query)).toBe("geometric_health_phi");
    expect(query).toMatch(/,\s*kernel\)$/);
    for (const metric of ["geometric_health_phi", "geometric_health_kappa", "geometric_health_basin_drift"])
      expect(exprs.find((e) => metricNamesIn(e.expr).includes(metric))?.expr).toContain('kernel=~"$kernel"');
  });

  it("plots Φ, κ, drift against 1.4 and 2.0, the healing success rate, degradations per day and kernels by rest status", () => {
    const read = new Set(exprs.flatMap((e) => metricNamesIn(e.expr)));
    for (const metric of [
      "geometric_health_phi",
      "geometric_health_kappa",
      "geometric_health_basin_drift",
      "healing_success_total",
      "healing_attempts_total",
      "geometric_health_degradations_total",
      "autonomic_rest_kernels",
    ])
      expect([...read]).toContain(metric);
    const success = exprs.find((e) => e.expr.includes("healing_success_total"))?.expr ?? "";
    expect(success).toMatch(
      /rate\(healing_success_total\[[^\]]+\]\)\) \/ sum\(rate\(healing_attempts_total\[/,
    );
    const perDay = exprs.find((e) => e.expr.includes("geometric_health_degradations_total"))?.expr ?? "";
    expect(perDay).toMatch(/increase\(geometric_health_degradations_total\{[^}]*\}\[1d\]\)/);
    expect(exprs.find((e) => e.expr.includes("autonomic_rest_kernels"))?.expr).toMatch(/by \(status\)/);
    const drift = panels.find((p) =>
      (p.targets ?? []).some((t) => metricNamesIn(t.expr ?? "").includes("geometric_health_basin_drift")),
    );
    const lines = drift?.fieldConfig?.defaults?.thresholds?.steps.map((s) => s.value);
    expect(lines).toEqual(expect.arrayContaining([1.4, 2]));
  });

  it("reads only metrics the server exports, and so do the alert rules", () => {
    const exported = exportedMetricNames(scrape);
    const rules = parse(readFileSync(join(REPO_ROOT, "deploy/prometheus-rules.yml"), "utf8")) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const variableQuery = (v: GrafanaVariable) =>
      typeof v.query === "string" ? v.query : (v.query?.query ?? "");
    const queries = [
      ...exprs.map(({ panel, expr }) => ({ panel, names: metricNamesIn(expr) })),
      ...dashboard.templating.list
        .filter((v) => v.type === "query")
        .map((v) => ({ panel: `variable ${v.name}`, names: [labelValuesMetric(variableQuery(v)) ?? ""] })),
      ...rules.groups.flatMap((g) =>
        g.rules.map((r) => ({ panel: `rule ${r.alert}`, names: metricNamesIn(r.expr) })),
      ),
    ];
    const unknown = queries.flatMap(({ panel, names }) =>
      names
        .filter((name) => !exported.has(name) && !PROMETHEUS_SYNTHETIC.has(name))
        .map((name) => `${panel}: ${name || "(none)"}`),
    );
    expect(unknown).toEqual([]);
    // The check itself sees names: every query but the κ* constant reads a metric, and a made-up one is caught.
    expect(queries.filter((q) => q.names.length === 0).map((q) => q.panel)).toEqual([
      "κ (coupling) per kernel",
    ]);
    expect(metricNamesIn('sum(rate(no_such_metric_total{kernel=~"$kernel"}[1h]))')).toEqual([
      "no_such_metric_total",
    ]);
  });
});

describe("a real Prometheus", () => {
  let prometheus: PrometheusProcess | undefined;

  afterAll(async () => {
    await prometheus?.stop();
  });

  /** Polls until `read` returns a value, failing with `describe()` after the deadline. */
  async function eventually<T>(read: () => Promise<T | undefined>, describe: () => string): Promise<T> {
    const deadline = Date.now() + POLL_DEADLINE_MS;
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting: ${describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it(
    "scrapes the server with the example config, loads the rules, answers for apollo_1's Φ and holds its low-Φ alert pending",
    async () => {
      const config = parse(readFileSync(join(REPO_ROOT, "deploy/prometheus.yml"), "utf8"));
      config.global = { ...config.global, scrape_interval: "1s", evaluation_interval: "1s" };
      config.rule_files = [join(REPO_ROOT, "deploy/prometheus-rules.yml")];
      const job = config.scrape_configs.find((s: { job_name: string }) => s.job_name === "autonomic");
      job.static_configs = [{ targets: [new URL(server.url).host] }];
      const prom = await startPrometheus({ binary: prometheusBinary, config: stringify(config) });
      prometheus = prom;

      const samples = await eventually(
        async () => {
          const result = await prom.query('geometric_health_phi{kernel="apollo_1"}');
          return result.length > 0 ? result : undefined;
        },
        () => `no sample of geometric_health_phi{kernel="apollo_1"}\n${prom.logs()}`,
      );
      expect(samples).toHaveLength(1);
      expect(samples[0]?.metric).toMatchObject({ job: "autonomic", kernel: "apollo_1" });
      expect(Number(samples[0]?.value[1])).toBe(APOLLO_PHI);

      const lowPhi = await eventually(
        async () => {
          const alerts = (await prom.alerts()).filter((a) => a.labels.alertname === "AutonomicPhiLow");
          return alerts.length > 0 ? alerts : undefined;
        },
        () => `AutonomicPhiLow never became pending\n${prom.logs()}`,
      );
      // for: 5m has not passed, so the alert is pending, only for the kernel below 0.65.
      expect(lowPhi.map((a: PrometheusAlert) => [a.labels.kernel, a.state, Number(a.value)])).toEqual([
        ["apollo_1", "pending", APOLLO_PHI],
      ]);
      expect(lowPhi[0]?.annotations.summary).toBe(`Φ of apollo_1 is ${APOLLO_PHI.toFixed(3)}, below 0.65`);
    },
    SLOW,
  );
});
