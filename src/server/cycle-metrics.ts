/**
 * Constellation cycle metrics: `constellation_cycle_active{cycle_type}` is 1 for the type of
 * the cycle running and 0 for the others, read from the service when scraped, and
 * `constellation_cycles_total{cycle_type, ended_by}` counts cycles as they end.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { CYCLE_TYPES } from "../core/cycles/cycle-types.js";
import type { CycleService } from "../services/cycle-service.js";

export function cycleMetrics(registry: Registry, cycles: CycleService): void {
  new Gauge({
    name: "constellation_cycle_active",
    help: "1 while a constellation cycle of this type runs, else 0",
    labelNames: ["cycle_type"],
    registers: [registry],
    collect() {
      const active = cycles.active()?.cycle_type ?? null;
      for (const cycle_type of CYCLE_TYPES) this.set({ cycle_type }, cycle_type === active ? 1 : 0);
    },
  });
  const ended = new Counter({
    name: "constellation_cycles_total",
    help: "Constellation cycles ended, by type and by what ended them (condition, length, operator)",
    labelNames: ["cycle_type", "ended_by"],
    registers: [registry],
  });
  cycles.events.subscribe((e) => {
    if (e.type === "cycle_ended") ended.inc({ cycle_type: e.cycle_type, ended_by: e.by });
  });
}
