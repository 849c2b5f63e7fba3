import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { buildConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { HealthMonitor } from "./monitor.js";
import { parseSnapshot } from "./snapshot.js";

function feed(monitor: HealthMonitor, kernel_id: string, latency: number, n = 12): void {
  for (let i = 0; i < n; i++)
    monitor.ingest(
      parseSnapshot({ kernel_id, phi: 0.78, kappa_eff: 64.21, avg_latency_ms: latency, timestamp: 1000 + i }),
    );
}

describe("per-kernel threshold overrides", () => {
  it("judges the kernel an override names by its own threshold and every other kernel by the shared one", () => {
    const config = buildConfig({ health: { kernelOverrides: { slow_1: { latencyWarningMs: 3000 } } } });
    const monitor = new HealthMonitor({ config, clock: new ManualClock(0) });
    feed(monitor, "slow_1", 2500);
    feed(monitor, "other_1", 2500);
    expect(monitor.degradation("slow_1").status).toBe("healthy");
    expect(monitor.degradation("other_1").findings.map((f) => f.rule)).toEqual(["latency"]);
    expect(monitor.thresholdsOf("slow_1").health.latencyWarningMs).toBe(3000);
  });

  it("refuses an override that names no kernel_id, a key that is no rule threshold, or a warning above its critical", () => {
    const err = (layer: unknown) => {
      try {
        buildConfig(layer as never);
      } catch (e) {
        return e instanceof ConfigError ? e.key : String(e);
      }
      return "accepted";
    };
    expect(err({ health: { kernelOverrides: { "bad id!": { latencyWarningMs: 3000 } } } })).toBe(
      "health.kernelOverrides.bad id!",
    );
    expect(err({ health: { kernelOverrides: { a_1: { windowSnapshots: 5 } } } })).toBe(
      "health.kernelOverrides.a_1",
    );
    expect(err({ health: { kernelOverrides: { a_1: { driftWarning: 2.5 } } } })).toBe(
      "health.kernelOverrides.a_1.driftWarning",
    );
  });
});
