/**
 * Threshold calibration and the impact report over the store: reads only, so both are safe
 * beside a live server (nothing here writes a row, moves a patch or raises an alert).
 * The figures come from the pure cores (src/core/health/calibration.ts,
 * src/core/healing/impact-report.ts); this file loads their input a page at a time.
 *
 * Each replay holds the span's snapshots in memory and runs on the event loop, so replays
 * run one at a time: a second dashboard opening the report waits for the first rather than
 * doubling the memory and the pause.
 *
 * Rest refusals are the one thing the store does not keep (only granted rests are rows), so
 * the service counts them from the rest events it hears, and the report says since when.
 *
 * @example
 * const impact = new ImpactService({ store, config, clock, restEvents: rest.events });
 * (await impact.report({ sinceMs: clock.now() - 30 * 86_400_000 })).incidents.healed // 12
 * (await impact.calibration({ sinceMs: clock.now() - 7 * 86_400_000 })).config // { health: { … } }
 */
import { Mutex } from "async-mutex";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import { InvalidInputError } from "../core/errors.js";
import { calibrationEvidence } from "../core/healing/calibration-evidence.js";
import { impactGateCriteria } from "../core/healing/impact-gate.js";
import { type ImpactReport, impactReport } from "../core/healing/impact-report.js";
import type { GateCriterion } from "../core/healing/phases.js";
import { type CalibrationReport, calibrate, type KernelHistory } from "../core/health/calibration.js";
import type { HealthSnapshot } from "../core/health/snapshot.js";
import type { RestEvent } from "../core/rest/events.js";
import type { Store } from "../store/store-types.js";
import type { EventBus } from "./event-bus.js";
import { replayedSnapshot } from "./replayed-snapshot.js";

/** What the impact service reads from the store. */
export type ImpactReads = Pick<
  Store,
  "snapshots" | "loadBaselines" | "listPatches" | "listAlerts" | "restEvents" | "coverageEvents"
>;

export interface ImpactServiceOptions {
  store: ImpactReads;
  config: AutonomicConfig;
  clock: Clock;
  /** Rest events, to count refusals from now on; absent: refusals are reported as unknown. */
  restEvents?: EventBus<RestEvent>;
}

/** A span of the records: [sinceMs, untilMs], untilMs defaulting to now. */
export interface ImpactSpan {
  sinceMs: number;
  untilMs?: number;
  kernelId?: string;
}

const PAGE = 1000;
/** The phase 4 gate reads the report over this span: four weeks, to compare the first with the latest. */
const GATE_SPAN_MS = 28 * 86_400_000;
/** How long the gate's report stands before it is computed again: the status page polls, replays are not free. */
const GATE_CACHE_MS = 5 * 60_000;
const ALL = 10_000;
const ROWS = 1_000_000;

export class ImpactService {
  private refused = 0;
  private readonly countingSince: number | null;
  private gate: { at: number; criteria: Promise<GateCriterion[]> } | null = null;
  private readonly oneReplay = new Mutex();

  constructor(private readonly o: ImpactServiceOptions) {
    this.countingSince = o.restEvents ? o.clock.now() : null;
    o.restEvents?.subscribe((e) => {
      if (e.type === "rest_refused") this.refused += 1;
    });
  }

  /**
   * Replays the span's snapshots under each rule's grid of thresholds.
   * @example (await impact.calibration({ sinceMs, kernelId: "apollo_1" })).rules[0].suggested
   */
  async calibration(span: ImpactSpan): Promise<CalibrationReport> {
    const { sinceMs, untilMs } = this.bounds(span);
    return this.oneReplay.runExclusive(() => this.calibrationOver(sinceMs, untilMs, span.kernelId));
  }

  private async calibrationOver(
    sinceMs: number,
    untilMs: number,
    kernelId?: string,
  ): Promise<CalibrationReport> {
    const [histories, patches, alerts] = await Promise.all([
      this.histories(sinceMs, untilMs, kernelId),
      this.o.store.listPatches({ ...(kernelId ? { kernelId: kernelId } : {}), limit: ALL }),
      this.o.store.listAlerts({ limit: ALL }),
    ]);
    const within = (at: number) => at >= sinceMs && at <= untilMs;
    const evidence = calibrationEvidence(
      patches.filter((p) => within(p.created_at)),
      alerts
        .filter((a) => within(a.created_at) && (!kernelId || a.kernel_id === kernelId))
        .map((a) => ({ ...a, confirmed: confirmationOf(a) })),
      {
        lookbackSeconds: this.o.config.report.calibrationLookbackSeconds,
        unhealedAlertSeconds: this.o.config.healing.unhealedAlertSeconds,
      },
    );
    return calibrate({ config: this.o.config, histories, evidence, since_ms: sinceMs, until_ms: untilMs });
  }

  /**
   * Incidents, heals, reviews, critical time, rests and coverage over the span.
   * @example (await impact.report({ sinceMs })).time_to_heal_seconds.median // 420
   */
  async report(span: ImpactSpan): Promise<ImpactReport> {
    const { sinceMs, untilMs } = this.bounds(span);
    return this.oneReplay.runExclusive(() => this.reportOver(sinceMs, untilMs));
  }

  private async reportOver(sinceMs: number, untilMs: number): Promise<ImpactReport> {
    const [histories, patches, alerts, rests, coverage] = await Promise.all([
      this.histories(sinceMs, untilMs),
      this.o.store.listPatches({ limit: ALL }),
      this.o.store.listAlerts({ limit: ALL }),
      this.o.store.restEvents({ sinceMs, limit: ROWS }),
      this.o.store.coverageEvents({ limit: ROWS }),
    ]);
    return impactReport({
      config: this.o.config,
      histories,
      patches,
      alerts,
      rests: rests.filter((r) => r.started_at <= untilMs),
      coverage,
      rests_refused: this.countingSince === null ? null : this.refused,
      refused_since_ms: this.countingSince,
      since_ms: sinceMs,
      until_ms: untilMs,
      max_gap_ms: this.o.config.healing.silentAlertSeconds * 1000,
      minutes_per_incident: this.o.config.report.minutesPerIncident,
    });
  }

  /**
   * The phase 4 gate's "uptime improved, human time saved", from the report over the last
   * four weeks; computed at most every five minutes.
   * @example (await impact.phase4Evidence()).map((c) => c.name) // ["uptime_improved", "human_time_saved"]
   */
  phase4Evidence(): Promise<GateCriterion[]> {
    const now = this.o.clock.now();
    if (!this.gate || now - this.gate.at >= GATE_CACHE_MS) {
      const criteria = this.report({ sinceMs: now - GATE_SPAN_MS, untilMs: now }).then(impactGateCriteria);
      // A failed read is not cached: the next status request tries again.
      criteria.catch(() => {
        if (this.gate?.criteria === criteria) this.gate = null;
      });
      this.gate = { at: now, criteria };
    }
    return this.gate.criteria;
  }

  private bounds(span: ImpactSpan): { sinceMs: number; untilMs: number } {
    const untilMs = span.untilMs ?? this.o.clock.now();
    if (!(span.sinceMs < untilMs)) throw new InvalidInputError("since", "must be before until");
    return { sinceMs: span.sinceMs, untilMs };
  }

  /** Every kernel's snapshots in the span, oldest first, with its stored baseline. */
  private async histories(sinceMs: number, untilMs: number, kernelId?: string): Promise<KernelHistory[]> {
    const byKernel = new Map<string, HealthSnapshot[]>();
    let cursor: { beforeMs: number; beforeId?: number } = { beforeMs: untilMs + 1 };
    for (;;) {
      const page = await this.o.store.snapshots({
        ...(kernelId ? { kernelId } : {}),
        sinceMs,
        ...cursor,
        limit: PAGE,
      });
      for (const row of page) {
        const list = byKernel.get(row.kernel_id);
        if (list) list.push(replayedSnapshot(row, { context: false }));
        else byKernel.set(row.kernel_id, [replayedSnapshot(row, { context: false })]);
      }
      const last = page[page.length - 1];
      if (page.length < PAGE || !last) break;
      cursor = { beforeMs: last.at, beforeId: last.id };
    }
    const baselines = new Map((await this.o.store.loadBaselines()).map((b) => [b.kernel_id, b]));
    return [...byKernel.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, newestFirst]) => {
        const b = baselines.get(id);
        // A baseline set inside the span is replayed as its first snapshot sets it; one set
        // before the span stands from the start.
        return {
          kernel_id: id,
          baseline: b && b.set_at < sinceMs ? b.basin : null,
          snapshots: newestFirst.reverse(),
        };
      });
  }
}

/** What a person said of an alert: true confirmed, false refuted, null nothing yet. */
function confirmationOf(alert: object): boolean | null {
  const c = (alert as { confirmed?: boolean | null }).confirmed;
  return c === true || c === false ? c : null;
}
