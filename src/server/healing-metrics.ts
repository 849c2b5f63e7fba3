/**
 * SPEC §6's healing metrics, driven by committed healing events: an attempt is a patch
 * applied to a live kernel, a success one that verification kept, a failure one rolled
 * back or that the kernel failed to apply; fitness is each sandbox run's score.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { HealingService } from "../services/healing-service.js";

const SECONDS_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300];

export function healingMetrics(registry: Registry, healing: HealingService): void {
  const registers = [registry];
  const attempts = new Counter({
    name: "healing_attempts_total",
    help: "Patches applied to a live kernel",
    labelNames: ["strategy"],
    registers,
  });
  const success = new Counter({
    name: "healing_success_total",
    help: "Applied patches verification kept",
    labelNames: ["strategy"],
    registers,
  });
  const failures = new Counter({
    name: "healing_failures_total",
    help: "Patches rolled back, or that the kernel failed to apply",
    labelNames: ["strategy"],
    registers,
  });
  const fitness = new Histogram({
    name: "healing_fitness_score",
    help: "Sandbox fitness of each patch (0..1)",
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    registers,
  });
  const generation = new Histogram({
    name: "healing_patch_generation_duration_seconds",
    help: "Time a healing pass took to examine kernels and generate patches",
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const testing = new Histogram({
    name: "healing_patch_testing_duration_seconds",
    help: "Time from sending a sandbox run to the kernel's answer",
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const application = new Histogram({
    name: "healing_patch_application_duration_seconds",
    help: "Time from sending a live action to the kernel's answer",
    buckets: SECONDS_BUCKETS,
    registers,
  });
  new Gauge({
    name: "healing_phase",
    help: "Current self-healing phase (1 monitoring … 4 autonomous)",
    registers,
    collect() {
      this.set(healing.phase);
    },
  });
  new Gauge({
    name: "healing_open_patches",
    help: "Patches not yet final, by state",
    labelNames: ["state"],
    registers,
    collect() {
      this.reset();
      for (const p of healing.openPatches()) this.inc({ state: p.state });
    },
  });

  healing.events.subscribe((e) => {
    if (e.type === "heal_pass") generation.observe(e.generation_seconds);
    if (e.type !== "patch_changed") return;
    const labels = { strategy: e.strategy };
    if (e.timing?.stage === "testing") testing.observe(e.timing.seconds);
    if (e.timing?.stage === "application") application.observe(e.timing.seconds);
    if (e.to === "sandboxed" && e.fitness !== null) fitness.observe(e.fitness);
    if (e.to === "applied") attempts.inc(labels);
    if (e.to === "verified") success.inc(labels);
    if (
      e.to === "rolled_back" ||
      (e.to === "rejected" && e.from !== null && e.reason.startsWith("the kernel did not apply"))
    )
      failures.inc(labels);
  });
}
