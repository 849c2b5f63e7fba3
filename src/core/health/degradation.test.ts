import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  basinAt,
  feed,
  firing,
  KAPPA_STAR,
  makeMonitor,
  ONE_HOT,
  snap,
} from "../../../test/support/health-fixture.js";
import { RULES, ruleHolds } from "./degradation.js";
import type { KernelHealth } from "./kernel-health.js";

/** A monitor whose kernel has 10 healthy snapshots (and a one-hot baseline) behind it. */
function warmed() {
  const m = makeMonitor();
  feed(m.monitor, 1, { basin_coords: ONE_HOT });
  feed(m.monitor, 9, { basin_coords: ONE_HOT });
  return m;
}

describe("window rules: judged on the last 10 snapshots", () => {
  it("is critical when average Φ over the window is below 0.65", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, { phi: 0.649 });
    expect(firing(monitor)).toContain("phi_avg_low");
    expect(monitor.health("apollo_1").status).toBe("critical");
  });

  it("does not flag average Φ at 0.651", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, { phi: 0.651 });
    expect(firing(monitor)).not.toContain("phi_avg_low");
  });

  it("is critical when average Φ over the window is above 0.85, and not at 0.849", () => {
    const high = makeMonitor().monitor;
    feed(high, 10, { phi: 0.851 });
    expect(firing(high)).toContain("phi_avg_high");
    const below = makeMonitor().monitor;
    feed(below, 10, { phi: 0.849 });
    expect(firing(below)).not.toContain("phi_avg_high");
  });

  it("warns when Φ falls faster than 0.05 per snapshot, and not at 0.049", () => {
    const fast = makeMonitor().monitor;
    feed(fast, 10, (i) => ({ phi: 0.95 - 0.051 * i }));
    const issue = fast.degradation("apollo_1").findings.find((x) => x.rule === "phi_slope");
    expect(issue?.value).toBeCloseTo(-0.051, 12);
    const slow = makeMonitor().monitor;
    feed(slow, 10, (i) => ({ phi: 0.95 - 0.049 * i }));
    expect(firing(slow)).not.toContain("phi_slope");
  });

  it("is critical when more than 3 of the last 10 snapshots are in breakdown, not when 3 are", () => {
    const four = makeMonitor().monitor;
    feed(four, 10, (i) => ({ phi: i % 2 === 1 && i < 9 ? 0.9 : 0.78 }));
    expect(four.degradation("apollo_1").findings.find((x) => x.rule === "regime_breakdown")?.value).toBe(4);
    const three = makeMonitor().monitor;
    feed(three, 10, (i) => ({ phi: i % 2 === 1 && i < 7 ? 0.9 : 0.78 }));
    expect(firing(three)).toEqual([]);
  });

  it("warns when memory grows more than 10 MB per snapshot, and not at 9.9", () => {
    const leak = makeMonitor().monitor;
    feed(leak, 10, (i) => ({ memory_mb: 100 + 10.1 * i }));
    expect(firing(leak)).toEqual(["memory_slope"]);
    const steady = makeMonitor().monitor;
    feed(steady, 10, (i) => ({ memory_mb: 100 + 9.9 * i }));
    expect(firing(steady)).toEqual([]);
  });
});

describe("current-value rules: fire after holding 3 snapshots", () => {
  const cases: {
    name: string;
    quiet: string;
    rule: string;
    outside: Record<string, unknown>;
    inside: Record<string, unknown>;
    /** What still fires just inside (a drift under 2.0 but over 1.4 still warns). */
    insideFiring?: string[];
  }[] = [
    {
      name: "warns when current Φ holds below 0.715",
      quiet: "stays quiet at Φ 0.716",
      rule: "phi_low",
      outside: { phi: 0.714 },
      inside: { phi: 0.716 },
    },
    {
      name: "warns when κ holds more than 10 above κ*",
      quiet: "stays quiet at κ* + 9.99",
      rule: "kappa_deviation",
      outside: { kappa_eff: KAPPA_STAR + 10.01 },
      inside: { kappa_eff: KAPPA_STAR + 9.99 },
    },
    {
      name: "warns when κ holds more than 10 below κ*",
      quiet: "stays quiet at κ* − 9.99",
      rule: "kappa_deviation",
      outside: { kappa_eff: KAPPA_STAR - 10.01 },
      inside: { kappa_eff: KAPPA_STAR - 9.99 },
    },
    {
      name: "is critical when the error rate holds above 5 %",
      quiet: "stays quiet at an error rate of 4.99 %",
      rule: "error_rate",
      outside: { error_rate: 0.0501 },
      inside: { error_rate: 0.0499 },
    },
    {
      name: "warns when latency holds above 2000 ms",
      quiet: "stays quiet at 1999 ms",
      rule: "latency",
      outside: { avg_latency_ms: 2001 },
      inside: { avg_latency_ms: 1999 },
    },
    {
      name: "warns when memory holds above 1000 MB",
      quiet: "stays quiet at 999.5 MB",
      rule: "memory",
      outside: { memory_mb: 1000.5 },
      inside: { memory_mb: 999.5 },
    },
    {
      name: "is critical when basin drift holds above 2.0",
      quiet: "only warns at a drift of 1.99",
      rule: "basin_drift_critical",
      outside: { basin_coords: basinAt(2.01) },
      inside: { basin_coords: basinAt(1.99) },
      insideFiring: ["basin_drift_warning"],
    },
    {
      name: "warns when basin drift holds above 1.4",
      quiet: "stays quiet at a drift of 1.39",
      rule: "basin_drift_warning",
      outside: { basin_coords: basinAt(1.41) },
      inside: { basin_coords: basinAt(1.39) },
    },
  ];

  for (const c of cases) {
    it(`${c.name} for 3 snapshots`, () => {
      const { monitor } = warmed();
      feed(monitor, 2, c.outside);
      expect(firing(monitor)).toEqual([]);
      feed(monitor, 1, c.outside);
      expect(firing(monitor)).toEqual([c.rule]);
    });

    it(`${c.quiet}, just inside the threshold`, () => {
      const { monitor } = warmed();
      feed(monitor, 10, c.inside);
      expect(firing(monitor)).toEqual(c.insideFiring ?? []);
    });
  }

  it("reports a critical drift without repeating it as a warning", () => {
    const { monitor } = warmed();
    feed(monitor, 3, { basin_coords: basinAt(2.5) });
    expect(firing(monitor)).toEqual(["basin_drift_critical"]);
  });
});

describe("for / keep_firing hysteresis", () => {
  it("is not raised by one noisy sample", () => {
    const { monitor } = warmed();
    feed(monitor, 1, { phi: 0.6 });
    feed(monitor, 5, {});
    expect(firing(monitor)).toEqual([]);
  });

  it("is not cleared by one good sample, and clears after keep_firing (2) more", () => {
    const { monitor } = warmed();
    feed(monitor, 3, { phi: 0.7 });
    expect(firing(monitor)).toEqual(["phi_low"]);
    feed(monitor, 1, { phi: 0.78 });
    expect(firing(monitor)).toEqual(["phi_low"]);
    feed(monitor, 1, { phi: 0.7 }); // back below: the alert never dropped
    feed(monitor, 2, { phi: 0.78 });
    expect(firing(monitor)).toEqual(["phi_low"]);
    expect(monitor.degradation("apollo_1").findings[0]?.message).toContain("clears after 1 more");
    feed(monitor, 1, { phi: 0.78 });
    expect(firing(monitor)).toEqual([]);
  });

  it("honours the configured for and keep_firing lengths", () => {
    const { monitor } = makeMonitor({ health: { forSnapshots: 1, keepFiringSnapshots: 0 } });
    feed(monitor, 10, {});
    feed(monitor, 1, { avg_latency_ms: 2500 });
    expect(firing(monitor)).toEqual(["latency"]);
    feed(monitor, 1, { avg_latency_ms: 100 });
    expect(firing(monitor)).toEqual([]);
  });
});

describe("status and issues", () => {
  it("is insufficient_data with fewer than 10 snapshots, however bad they are", () => {
    const { monitor } = makeMonitor();
    const outcome = feed(monitor, 9, { phi: 0.1, error_rate: 0.9, basin_coords: ONE_HOT });
    expect(outcome.status).toBe("insufficient_data");
    expect(monitor.degradation("apollo_1").findings).toEqual([]);
    expect(feed(monitor, 1, { phi: 0.1, error_rate: 0.9 }).status).toBe("critical");
  });

  it("takes the worst severity and lists every issue with its measured value, critical first", () => {
    const { monitor } = warmed();
    feed(monitor, 3, { avg_latency_ms: 2345, error_rate: 0.075 });
    const report = monitor.degradation("apollo_1");
    expect(report.status).toBe("critical");
    expect(report.findings).toEqual([
      {
        rule: "error_rate",
        severity: "critical",
        metric: "error_rate",
        value: 0.075,
        threshold: 0.05,
        message: "error rate 7.5 % has been above 5 % for 3 snapshots",
      },
      {
        rule: "latency",
        severity: "warning",
        metric: "avg_latency_ms",
        value: 2345,
        threshold: 2000,
        message: "latency 2345 ms has been above 2000 ms for 3 snapshots",
      },
    ]);
  });

  it("puts the measured value in every window rule's message", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, (i) => ({ phi: 0.64 - 0.001 * i, memory_mb: 100 + 20 * i }));
    const messages = monitor.degradation("apollo_1").findings.map((i) => i.message);
    expect(messages).toContain("average Φ 0.6355 over the last 10 snapshots is below 0.65");
    expect(messages).toContain(
      "memory grows 20 MB per snapshot over the last 10 snapshots, above 10 (leak?)",
    );
  });
});

describe("rule definitions", () => {
  it("agree with what the hot path evaluates, over random snapshot sequences", () => {
    const value = (min: number, max: number) => fc.double({ min, max, noNaN: true });
    const snapshot = fc.record(
      {
        phi: value(0, 1),
        kappa_eff: value(40, 90),
        error_rate: value(0, 0.1),
        avg_latency_ms: value(1500, 2500),
        memory_mb: value(900, 1100),
        basin_coords: fc.constantFrom(ONE_HOT, basinAt(1), basinAt(1.5), basinAt(2.2)),
      },
      { requiredKeys: ["phi", "kappa_eff"] },
    );
    fc.assert(
      fc.property(fc.array(snapshot, { minLength: 1, maxLength: 40 }), (snapshots) => {
        const { monitor } = makeMonitor();
        for (const s of snapshots) {
          monitor.ingest(snap(s));
          const k = kernelOf(monitor);
          const t = monitor.thresholds;
          for (let r = 0; r < RULES.length; r++) {
            const holds = ruleHolds(k, t, r);
            // A window rule fires exactly while it holds; a current rule counts how long it has held.
            if (RULES[r]?.kind === "window") expect([r, k.isFiring(r)]).toEqual([r, holds]);
            else expect([r, k.heldFor(r) > 0]).toEqual([r, holds]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** The monitor's state for apollo_1: white-box, to compare the hot path with the definitions. */
function kernelOf(monitor: ReturnType<typeof makeMonitor>["monitor"]): KernelHealth {
  const k = (monitor as unknown as { kernels: Map<string, KernelHealth> }).kernels.get("apollo_1");
  if (!k) throw new Error("no kernel");
  return k;
}
