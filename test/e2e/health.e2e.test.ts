/**
 * Geometric health over HTTP against the real server (`autonomic serve` as a child
 * process) on each backend: the /api/self-healing monitoring routes with their reply
 * shapes and directives (SPEC §4, §6), the Fisher–Rao drift, bad input that is a 400
 * naming the field and stores nothing, history kept across kill -9, and the gauges.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 60_000;
const KAPPA_STAR = 64.21;
const DIM = 64;
/** Fisher–Rao distance between the uniform basin of 64 entries and any one-hot of 64. */
const UNIFORM_DRIFT = 2 * Math.acos(1 / 8);

const stores = storeLocations("autonomic-health-e2e-");
const freshStore = stores.fresh;

afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  body: any;
}

async function call(server: ServerProcess, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const response = await fetch(`${server.url}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // metrics, or a reply that is not JSON, which an assertion then shows
  }
  return { status: response.status, body: parsed };
}

const get = (server: ServerProcess, path: string) => call(server, "GET", path);
const post = (server: ServerProcess, path: string, body?: unknown) => call(server, "POST", path, body);

/** A basin with all its mass on entry `i`. */
function oneHot(i = 0): number[] {
  const b = new Array<number>(DIM).fill(0);
  b[i] = 1;
  return b;
}
const UNIFORM = new Array<number>(DIM).fill(1);

/** Φ in the healthy band, κ near κ*, the one-hot basin. */
const healthy = (kernel_id: string, extra: Record<string, unknown> = {}) => ({
  kernel_id,
  phi: 0.78,
  kappa_eff: 64,
  basin_coords: oneHot(),
  ...extra,
});

/** Every current-value rule broken at once, latency and memory climbing. */
const failing = (kernel_id: string, i: number) => ({
  kernel_id,
  phi: 0.5,
  kappa_eff: 90,
  basin_coords: UNIFORM,
  error_rate: 0.2,
  avg_latency_ms: 3000 + 100 * i,
  memory_mb: 1500 + 20 * i,
});

async function postSnapshots(server: ServerProcess, items: Record<string, unknown>[]): Promise<Reply> {
  const reply = await post(server, "/api/self-healing/snapshots", { snapshots: items });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply;
}

async function postEach(server: ServerProcess, items: Record<string, unknown>[]): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (const item of items) {
    const reply = await post(server, "/api/self-healing/snapshot", item);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    replies.push(reply);
  }
  return replies;
}

// biome-ignore lint/suspicious/noExplicitAny: stored rows as the server returns them
type Row = any;

/** Every stored snapshot matching `query`, by following next_cursor; the pages as they came. */
async function allSnapshots(server: ServerProcess, query: string, limit: number) {
  const rows: Row[] = [];
  const pages: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const params = new URLSearchParams(query);
    params.set("limit", String(limit));
    if (cursor !== null) params.set("before", cursor);
    const reply = await get(server, `/api/self-healing/snapshots?${params}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(keys(reply.body)).toEqual(["next_cursor", "snapshots", "success"]);
    rows.push(...reply.body.snapshots);
    pages.push(reply.body.snapshots.length);
    cursor = reply.body.next_cursor;
    if (cursor === null) return { rows, pages };
  }
  throw new Error("next_cursor never ran out");
}

/** What the server has stored and derived: every snapshot id and the constellation's health. */
async function storedState(server: ServerProcess) {
  const { rows } = await allSnapshots(server, "", 1000);
  const constellation = await get(server, "/api/self-healing/health");
  expect(constellation.status).toBe(200);
  return { ids: rows.map((r) => r.id), constellation: constellation.body.health };
}

const keys = (value: object) => Object.keys(value).sort();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const rules = (issues: { rule: string }[]) => issues.map((i) => i.rule).sort();

for (const backend of ["sqlite", "postgres"]) {
  describe(`geometric health on ${backend}`, () => {
    let server: ServerProcess;

    beforeAll(async () => {
      server = await startServerProcess({ db: await freshStore(backend) });
    }, SLOW);

    afterAll(() => {
      server?.kill("SIGKILL");
    });

    it(
      "reports a healthy series as healthy, then names each broken rule of a failing one with its value",
      async () => {
        const id = "series_1";
        const replies = await postEach(
          server,
          Array.from({ length: 12 }, () => healthy(id)),
        );
        const last = replies.at(-1)?.body;
        expect(keys(last)).toEqual(["directive", "snapshot", "success", "warnings"]);
        expect(last).toMatchObject({
          success: true,
          snapshot: {
            kernel_id: id,
            snapshots: 12,
            status: "healthy",
            regime: "hierarchical",
            basin_drift: 0,
          },
          directive: { rest: { status: "unregistered", should_rest: false }, actions: [] },
        });
        expect(replies[8]?.body.snapshot.status).toBe("insufficient_data");
        expect(new Date(last.snapshot.timestamp).toISOString()).toBe(last.snapshot.timestamp);

        const fine = await get(server, `/api/self-healing/health?kernel_id=${id}`);
        expect(fine.status).toBe(200);
        expect(keys(fine.body)).toEqual(["health", "success"]);
        expect(fine.body.health).toMatchObject({
          kernel_id: id,
          status: "healthy",
          snapshots: 12,
          issues: [],
          phi: 0.78,
          kappa_eff: 64,
          basin_drift: 0,
          basin_dimension: DIM,
          has_baseline: true,
        });
        expect((await get(server, `/api/self-healing/degradation?kernel_id=${id}`)).body).toMatchObject({
          success: true,
          degradation: {
            kernel_id: id,
            status: "healthy",
            snapshots: 12,
            window_snapshots: 10,
            findings: [],
            issues: [],
            degraded: false,
            severity: "normal",
          },
        });

        const batch = await postSnapshots(
          server,
          Array.from({ length: 10 }, (_, i) => failing(id, i)),
        );
        expect(keys(batch.body)).toEqual(["directive", "directives", "snapshots", "success", "warnings"]);
        expect(batch.body.snapshots.count).toBe(10);
        expect(batch.body.snapshots.items).toHaveLength(10);
        expect(batch.body.snapshots.items.at(-1)).toMatchObject({
          kernel_id: id,
          snapshots: 22,
          status: "critical",
        });
        expect(batch.body.directive.rest.status).toBe("unregistered");
        expect(batch.body.directives[id]).toEqual(batch.body.directive);

        const degradation = await get(server, `/api/self-healing/degradation?kernel_id=${id}`);
        expect(degradation.status).toBe(200);
        expect(keys(degradation.body)).toEqual(["degradation", "success"]);
        const report = degradation.body.degradation;
        expect(report).toMatchObject({
          kernel_id: id,
          status: "critical",
          snapshots: 22,
          window_snapshots: 10,
        });
        expect(rules(report.findings)).toEqual(
          [
            "basin_drift_critical",
            "error_rate",
            "kappa_deviation",
            "latency",
            "memory",
            "memory_slope",
            "phi_avg_low",
            "phi_low",
          ].sort(),
        );
        const issue = (rule: string) => report.findings.find((i: { rule: string }) => i.rule === rule);
        const measured: [string, number, number][] = [
          ["phi_avg_low", 0.5, 0.65],
          ["phi_low", 0.5, 0.715],
          ["basin_drift_critical", UNIFORM_DRIFT, 2],
          ["kappa_deviation", 90 - KAPPA_STAR, 10],
          ["error_rate", 0.2, 0.05],
          ["latency", 3900, 2000],
          ["memory", 1680, 1000],
          ["memory_slope", 20, 10],
        ];
        for (const [rule, value, threshold] of measured) {
          expect(issue(rule).value, rule).toBeCloseTo(value, 6);
          expect(issue(rule).threshold, rule).toBeCloseTo(threshold, 9);
          expect(issue(rule).message, rule).toEqual(expect.any(String));
        }
        expect(issue("latency").message).toContain("3900");
        // Worst first.
        const severities = report.findings.map((i: { severity: string }) => i.severity);
        expect(severities).toEqual([...severities].sort());

        const all = await get(server, "/api/self-healing/degradation");
        expect(all.body.success).toBe(true);
        expect(all.body.degradation.degraded_count).toBe(all.body.degradation.kernels.length);
        expect(all.body.degradation.kernels.map((k: { kernel_id: string }) => k.kernel_id)).toContain(id);

        const kernel = await get(server, `/api/self-healing/health?kernel_id=${id}`);
        expect(kernel.body.health).toMatchObject({
          status: "critical",
          phi: 0.5,
          kappa_eff: 90,
          error_rate: 0.2,
          avg_latency_ms: 3900,
          memory_mb: 1680,
          regime: "geometric",
        });
        expect(kernel.body.health.basin_drift).toBeCloseTo(UNIFORM_DRIFT, 6);
        expect(kernel.body.health.phi_avg).toBeCloseTo(0.5, 12);

        const constellation = await get(server, "/api/self-healing/health");
        expect(keys(constellation.body)).toEqual(["health", "success"]);
        expect(constellation.body.health.worst).toBe("critical");
        expect(constellation.body.health.kernel_count).toBe(constellation.body.health.kernels.length);
        expect(constellation.body.health.kernels).toContainEqual(
          expect.objectContaining({ kernel_id: id, status: "critical", snapshots: 22, phi: 0.5 }),
        );

        const trends = await get(server, `/api/self-healing/trends?kernel_id=${id}`);
        expect(keys(trends.body)).toEqual(["success", "trends"]);
        expect(trends.body.trends).toMatchObject({ kernel_id: id, window_snapshots: 10 });
        const slopes = trends.body.trends.slopes_per_snapshot;
        expect(slopes.phi).toBeCloseTo(0, 12);
        expect(slopes.kappa_eff).toBeCloseTo(0, 12);
        expect(slopes.avg_latency_ms).toBeCloseTo(100, 9);
        expect(slopes.memory_mb).toBeCloseTo(20, 9);
        expect(slopes.error_rate).toBeCloseTo(0, 12);
        const everyTrend = await get(server, "/api/self-healing/trends");
        expect(everyTrend.body.trends.kernels).toContainEqual(trends.body.trends);

        const { rows, pages } = await allSnapshots(server, `kernel_id=${id}`, 5);
        expect(pages).toEqual([5, 5, 5, 5, 2]);
        expect(rows).toHaveLength(22);
        expect(rows[0]).toMatchObject({ kernel_id: id, phi: 0.5, error_rate: 0.2, memory_mb: 1680 });
        expect(rows[0].basin).toHaveLength(DIM);
        expect(rows[0].basin_drift).toBeCloseTo(UNIFORM_DRIFT, 6);
        expect(rows.at(-1)).toMatchObject({ phi: 0.78, basin_drift: 0, error_rate: null, basin: oneHot() });

        // A new baseline where the kernel now sits: no drift, and the drift issue is gone.
        const baseline = await post(server, "/api/self-healing/baseline", {
          kernel_id: id,
          basin_coords: UNIFORM,
        });
        expect(baseline.status).toBe(200);
        expect(baseline.body).toEqual({
          success: true,
          message: "Baseline updated",
          baseline: { kernel_id: id, dimension: DIM },
        });
        const after = (await get(server, `/api/self-healing/health?kernel_id=${id}`)).body.health;
        expect(after.basin_drift).toBe(0);
        expect(rules(after.findings)).not.toContain("basin_drift_critical");
        expect(after.status).toBe("critical");
      },
      SLOW,
    );

    it(
      "reports the drift of a uniform basin from a one-hot baseline as 2·arccos(1/8), critical once enough snapshots",
      async () => {
        const id = "drifter_1";
        const first = await postEach(server, [healthy(id, { basin_coords: oneHot(17) })]);
        expect(first[0]?.body.snapshot.basin_drift).toBe(0);
        const drifted = await postEach(
          server,
          Array.from({ length: 8 }, () => healthy(id, { basin_coords: UNIFORM })),
        );
        for (const r of drifted) expect(r.body.snapshot.basin_drift).toBeCloseTo(2.891, 3);
        expect(drifted.at(-1)?.body.snapshot).toMatchObject({ snapshots: 9, status: "insufficient_data" });
        expect(
          (await get(server, `/api/self-healing/degradation?kernel_id=${id}`)).body.degradation.findings,
        ).toEqual([]);

        const tenth = await postEach(server, [healthy(id, { basin_coords: UNIFORM })]);
        expect(tenth[0]?.body.snapshot).toMatchObject({ snapshots: 10, status: "critical" });
        const health = (await get(server, `/api/self-healing/health?kernel_id=${id}`)).body.health;
        expect(health.basin_drift).toBeCloseTo(UNIFORM_DRIFT, 9);
        expect(health.drift_thresholds).toEqual({
          warning: 1.4,
          critical: 2,
          source: "fixed",
          units: "full",
        });
        expect(health.findings).toEqual([
          expect.objectContaining({
            rule: "basin_drift_critical",
            severity: "critical",
            metric: "basin_drift",
            threshold: 2,
          }),
        ]);
        expect(health.findings[0].value).toBeCloseTo(UNIFORM_DRIFT, 9);
      },
      SLOW,
    );

    it(
      "pages /snapshots with next_cursor over every row exactly once, even rows of the same millisecond",
      async () => {
        const id = "pager_1";
        const base = 1_790_000_000;
        // Groups of four share a timestamp; groups are 1.5 ms apart (fractional ms).
        const items = Array.from({ length: 23 }, (_, i) =>
          healthy(id, { timestamp: base + Math.floor(i / 4) * 0.0015, phi: 0.7 + i / 1000 }),
        );
        await postSnapshots(server, items);

        for (const limit of [1, 4, 5, 23, 1000]) {
          const { rows, pages } = await allSnapshots(server, `kernel_id=${id}`, limit);
          expect(rows.map((r) => r.phi).sort(), `limit ${limit}`).toEqual(items.map((s) => s.phi).sort());
          expect(new Set(rows.map((r) => r.id)).size, `limit ${limit}`).toBe(23);
          expect(
            pages.slice(0, -1).every((n) => n === limit),
            `limit ${limit}`,
          ).toBe(true);
          for (let i = 1; i < rows.length; i++) {
            const [a, b] = [rows[i - 1], rows[i]];
            // Instants are ISO 8601 on the wire (whole ms), so rows of one ms tie on `at` and order by id.
            expect(a.at > b.at || (a.at === b.at && a.id > b.id), `limit ${limit} row ${i}`).toBe(true);
          }
        }
        const newest = (await get(server, `/api/self-healing/snapshots?kernel_id=${id}&limit=1`)).body;
        expect(newest.snapshots[0]).toMatchObject({ kernel_id: id, phi: items[22]?.phi });
        expect(newest.snapshots[0].at).toBe(new Date(base * 1000 + 7.5).toISOString());
        expect(newest.snapshots[0].timestamp).toBe(newest.snapshots[0].at);
        // The cursor keeps the stored time whole, fractional ms and all.
        expect(newest.next_cursor).toBe(`${base * 1000 + 7.5}:${newest.snapshots[0].id}`);

        // since: epoch seconds or ISO 8601, inclusive; groups 3…5 are at or after base + 4 ms.
        for (const since of [String(base + 0.004), new Date(base * 1000 + 4).toISOString()]) {
          const { rows } = await allSnapshots(
            server,
            `kernel_id=${id}&since=${encodeURIComponent(since)}`,
            4,
          );
          expect(rows, since).toHaveLength(11);
        }

        // Every kernel's rows together page the same way.
        const everything = await allSnapshots(server, "", 7);
        const inOnePage = await allSnapshots(server, "", 1000);
        expect(everything.rows.map((r) => r.id)).toEqual(inOnePage.rows.map((r) => r.id));
        expect(new Set(everything.rows.map((r) => r.id)).size).toBe(everything.rows.length);
        const counted = (await get(server, "/api/self-healing/health")).body.health.kernels.reduce(
          (sum: number, k: { snapshots: number }) => sum + k.snapshots,
          0,
        );
        expect(everything.rows).toHaveLength(counted);
      },
      SLOW,
    );

    it(
      "carries a live rest directive for a kernel registered with the rest scheduler",
      async () => {
        for (const [kernel_id, kernel_name] of [
          ["apollo_1", "Apollo"],
          ["athena_1", "Athena"],
        ]) {
          expect((await post(server, "/api/rest/kernels", { kernel_id, kernel_name })).status).toBe(201);
        }
        const active = await post(server, "/api/self-healing/snapshot", healthy("apollo_1"));
        expect(active.status).toBe(200);
        expect(active.body.directive).toEqual({
          rest: { status: "active", should_rest: expect.any(Boolean), reason: expect.any(String) },
          actions: [],
        });

        const tired = await post(server, "/api/rest/fatigue/apollo_1", {
          phi: 0.1,
          kappa: 10,
          load: 0.9,
          error_rate: 0.5,
        });
        expect(tired.body.should_rest).toBe(true);
        const granted = await post(server, "/api/rest/request/apollo_1", {});
        expect(granted.body).toMatchObject({ approved: true, covering_partner: "athena_1" });

        const resting = await post(server, "/api/self-healing/snapshot", healthy("apollo_1"));
        expect(resting.body.directive.rest).toMatchObject({ status: "resting", covered_by: "athena_1" });
        expect(new Date(resting.body.directive.rest.until).getTime()).toBeGreaterThan(0);

        const batch = await postSnapshots(server, [
          healthy("athena_1"),
          healthy("apollo_1"),
          healthy("hermes_9"),
        ]);
        expect(batch.body.directive).toBeUndefined();
        expect(keys(batch.body.directives)).toEqual(["apollo_1", "athena_1", "hermes_9"]);
        expect(batch.body.directives.athena_1.rest).toMatchObject({
          status: "active",
          covering_for: "apollo_1",
        });
        expect(batch.body.directives.apollo_1.rest).toMatchObject({
          status: "resting",
          covered_by: "athena_1",
        });
        expect(batch.body.directives.hermes_9.rest.status).toBe("unregistered");

        expect((await post(server, "/api/rest/end/apollo_1")).status).toBe(200);
        const awake = await post(server, "/api/self-healing/snapshot", healthy("apollo_1"));
        expect(awake.body.directive.rest.status).toBe("active");
        expect(awake.body.directive.rest.covered_by).toBeUndefined();
      },
      SLOW,
    );

    describe("bad input is a 400 naming the field and stores nothing", () => {
      const id = "picky_1";
      beforeAll(async () => {
        await postEach(server, [healthy(id), healthy(id, { basin_coords: oneHot(3) })]);
      });

      const negative = oneHot();
      negative[5] = -0.25;
      const cases: [string, string, string, unknown][] = [
        ["phi missing", "/snapshot", "phi", { kernel_id: id, kappa_eff: 64 }],
        ["phi 1.5", "/snapshot", "phi", healthy(id, { phi: 1.5 })],
        ["phi null", "/snapshot", "phi", healthy(id, { phi: null })],
        ["kappa_eff a string", "/snapshot", "kappa_eff", healthy(id, { kappa_eff: "NaN" })],
        ["kappa_eff negative", "/snapshot", "kappa_eff", healthy(id, { kappa_eff: -1 })],
        ["a negative basin entry", "/snapshot", "basin_coords[5]", healthy(id, { basin_coords: negative })],
        [
          "an all-zero basin",
          "/snapshot",
          "basin_coords",
          healthy(id, { basin_coords: new Array(DIM).fill(0) }),
        ],
        [
          "a basin of another dimension",
          "/snapshot",
          "basin_coords",
          healthy(id, { basin_coords: [1, 1, 1] }),
        ],
        ["error_rate 2", "/snapshot", "error_rate", healthy(id, { error_rate: 2 })],
        [
          "a zone-less timestamp",
          "/snapshot",
          "timestamp",
          healthy(id, { timestamp: "2026-01-02T03:04:05" }),
        ],
        ["a body that is an array", "/snapshot", "snapshot", [healthy(id)]],
        [
          "a batch whose item 3 is bad",
          "/snapshots",
          "snapshots[3].phi",
          {
            snapshots: [
              healthy("batchy_1"),
              healthy(id),
              healthy("batchy_1"),
              { ...healthy("batchy_1"), phi: 1.5 },
            ],
          },
        ],
        [
          "a batch whose item 3 has another basin dimension than item 0",
          "/snapshots",
          "snapshots[3].basin_coords",
          {
            snapshots: [
              healthy("batchy_2"),
              healthy(id),
              healthy("batchy_2"),
              healthy("batchy_2", { basin_coords: [1, 2, 3] }),
            ],
          },
        ],
        [
          "a batch whose item 3 has a malformed kernel_id",
          "/snapshots",
          "snapshots[3].kernel_id",
          {
            snapshots: [
              healthy("batchy_3"),
              healthy(id),
              healthy("batchy_3"),
              healthy("batchy_3\nSigned-off-by: mallory"),
            ],
          },
        ],
        ["a batch that is not an array", "/snapshots", "snapshots", { snapshots: healthy(id) }],
        ["a batch without snapshots", "/snapshots", "snapshots", {}],
        [
          "a batch with an unknown top-level field",
          "/snapshots",
          "extra_field",
          { snapshots: [healthy(id)], extra_field: 1 },
        ],
        ["an empty batch", "/snapshots", "snapshots", { snapshots: [] }],
        [
          "a baseline of a malformed kernel_id",
          "/baseline",
          "kernel_id",
          { kernel_id: "-x", basin_coords: UNIFORM },
        ],
        [
          "a baseline of another dimension",
          "/baseline",
          "basin_coords",
          { kernel_id: id, basin_coords: [1, 1] },
        ],
        [
          "a baseline with a negative entry",
          "/baseline",
          "basin_coords[5]",
          { kernel_id: id, basin_coords: negative },
        ],
        [
          "a baseline with an unknown field",
          "/baseline",
          "bogus",
          { kernel_id: id, basin_coords: UNIFORM, bogus: 1 },
        ],
        [
          "a baseline with an unknown encoding",
          "/baseline",
          "basin_encoding",
          { kernel_id: id, basin_coords: UNIFORM, basin_encoding: "polar" },
        ],
      ];

      for (const [what, route, field, body] of cases) {
        it(`POST ${route}: ${what}`, async () => {
          const before = await storedState(server);
          const reply = await post(server, `/api/self-healing${route}`, body);
          expect(reply.status, JSON.stringify(reply.body)).toBe(400);
          expect(reply.body).toMatchObject({ success: false, error: expect.any(String) });
          expect(reply.body.error).toMatch(new RegExp(`^${escapeRegExp(field)}: `));
          expect(await storedState(server)).toEqual(before);
        });
      }

      const queries: [string, string, string][] = [
        ["a bad since", "/snapshots?since=yesterday", "since"],
        ["a since that only a lenient parser reads", "/snapshots?since=foo%2012", "since"],
        ["a since without a time zone", "/snapshots?since=2026-11-22T10:00:00", "since"],
        ["a bad before cursor", "/snapshots?before=abc", "before"],
        ["a before cursor without its id", "/snapshots?before=1790000000000", "before"],
        ["limit 0", "/snapshots?limit=0", "limit"],
        ["limit 5000", "/snapshots?limit=5000", "limit"],
        ["limit not a number", "/snapshots?limit=ten", "limit"],
        ["an unknown query field on /snapshots", "/snapshots?bogus=1", "bogus"],
        ["an empty kernel_id on /health", "/health?kernel_id=", "kernel_id"],
        ["an unknown query field on /health", "/health?bogus=1", "bogus"],
        ["an unknown query field on /degradation", "/degradation?kernel_id=picky_1&bogus=1", "bogus"],
        ["an unknown query field on /trends", "/trends?bogus=1", "bogus"],
      ];
      for (const [what, path, field] of queries) {
        it(`GET ${path}: ${what}`, async () => {
          const before = await storedState(server);
          const reply = await get(server, `/api/self-healing${path}`);
          expect(reply.status, JSON.stringify(reply.body)).toBe(400);
          expect(reply.body).toMatchObject({ success: false, error: expect.any(String) });
          expect(reply.body.error).toMatch(new RegExp(`^${escapeRegExp(field)}: `));
          expect(await storedState(server)).toEqual(before);
        });
      }

      it("stored none of the refused snapshots, and kept the kernel's baseline", async () => {
        const { rows } = await allSnapshots(server, `kernel_id=${id}`, 1000);
        expect(rows).toHaveLength(2);
        for (const batchy of ["batchy_1", "batchy_2", "batchy_3"]) {
          expect((await get(server, `/api/self-healing/health?kernel_id=${batchy}`)).status).toBe(404);
          const stored = await allSnapshots(server, `kernel_id=${batchy}`, 1000);
          expect(stored.rows).toEqual([]);
        }
        const health = (await get(server, `/api/self-healing/health?kernel_id=${id}`)).body.health;
        expect(health).toMatchObject({ snapshots: 2, basin_dimension: DIM });
        expect(health.basin_drift).toBeCloseTo(Math.PI, 9);
      });
    });

    it("answers 404 for a kernel that never reported", async () => {
      for (const route of ["health", "degradation", "trends"]) {
        const reply = await get(server, `/api/self-healing/${route}?kernel_id=nope`);
        expect(reply.status, route).toBe(404);
        expect(reply.body, route).toMatchObject({ success: false, error: expect.stringContaining("nope") });
      }
    });

    it(
      "keeps the history across kill -9: same kernel, count, baseline drift and issues, and the gauges",
      async () => {
        const db = await freshStore(backend);
        const first = await startServerProcess({ db });
        const id = "phoenix_1";
        await postEach(first, [healthy(id, { basin_coords: oneHot(40) })]);
        await postSnapshots(first, [
          ...Array.from({ length: 9 }, () => healthy(id, { basin_coords: oneHot(40), error_rate: 0.01 })),
          ...Array.from({ length: 5 }, (_, i) => failing(id, i)),
        ]);
        const read = async (server: ServerProcess) => ({
          health: (await get(server, `/api/self-healing/health?kernel_id=${id}`)).body,
          degradation: (await get(server, `/api/self-healing/degradation?kernel_id=${id}`)).body,
          trends: (await get(server, `/api/self-healing/trends?kernel_id=${id}`)).body,
          constellation: (await get(server, "/api/self-healing/health")).body,
          snapshots: (await allSnapshots(server, `kernel_id=${id}`, 4)).rows,
        });
        const before = await read(first);
        expect(before.health.health).toMatchObject({ kernel_id: id, snapshots: 15, status: "critical" });
        expect(before.health.health.basin_drift).toBeCloseTo(UNIFORM_DRIFT, 9);
        expect(rules(before.degradation.degradation.findings)).toEqual(
          // Five failing of the ten in the window: average Φ 0.64; memory climbs 8.5 MB a snapshot.
          [
            "basin_drift_critical",
            "error_rate",
            "kappa_deviation",
            "latency",
            "memory",
            "phi_avg_low",
            "phi_low",
          ].sort(),
        );
        expect(before.snapshots).toHaveLength(15);

        first.kill("SIGKILL");
        expect((await first.waitForExit()).signal).toBe("SIGKILL");
        const second = await startServerProcess({ db });
        const after = await read(second);
        expect(after).toEqual(before);

        // The next snapshot continues the same series: the 16th, still measured from the old baseline.
        const next = await post(second, "/api/self-healing/snapshot", failing(id, 5));
        expect(next.body.snapshot).toMatchObject({ snapshots: 16, status: "critical" });
        expect(next.body.snapshot.basin_drift).toBeCloseTo(UNIFORM_DRIFT, 9);

        const metrics = await get(second, "/metrics");
        expect(metrics.status).toBe(200);
        const gauge = (name: string) => {
          const line = (metrics.body as string).match(
            new RegExp(`^${name}\\{kernel="${id}"\\} (\\S+)$`, "m"),
          );
          expect(line, name).not.toBeNull();
          return Number(line?.[1]);
        };
        expect(gauge("geometric_health_phi")).toBe(0.5);
        expect(gauge("geometric_health_kappa")).toBe(90);
        expect(gauge("geometric_health_basin_drift")).toBeCloseTo(UNIFORM_DRIFT, 9);
        expect(metrics.body).toMatch(/^geometric_health_status\{severity="critical"\} 1$/m);
        expect(metrics.body).toMatch(/^geometric_health_status\{severity="healthy"\} 0$/m);
        second.kill("SIGKILL");
      },
      SLOW,
    );
  });
}
