/**
 * Constellation cycles as a service (SPEC §3 "Constellation cycles"): Heart's and Ocean's
 * consensus taken from real telemetry or from their cast votes, a cycle started when both
 * vote yes and ended by condition, by length or by an operator, and every step recorded in
 * constellation_cycles before its event is published.
 *
 * - One consensus run (`tick`, the server's "consensus" job every consensusIntervalSeconds)
 *   computes the metrics over the window (ConsensusTelemetry: Φ, κ and basins from the health
 *   monitor, fatigue per committed report), then either decides (no cycle running) or checks
 *   the running cycle's end (shouldEnd). A run while a cycle runs decides nothing: only one
 *   cycle runs at a time, and the decider would only say so.
 * - "Each decision" is recorded when it differs from the last recorded one in the cycle type
 *   wanted, whether it started, or either vote's yes/no or source (cast or telemetry); a run
 *   identical in those is not a new decision, however its metrics moved. Every start is
 *   recorded, with the cycle's row, in the transaction that puts the kernels to rest.
 * - A cast vote is a row of its own; it overrides that voter's telemetry vote on that type
 *   for castVoteTtlSeconds. Only the newest per voter and type can count (an older one
 *   expires no later), so only those are held.
 * - Restart: the open cycle row comes back as the active cycle (the kernels' cycle rests come
 *   back with the rest state), live cast votes and the last recorded decision are reloaded,
 *   and each type's last end restores its cooldown.
 *
 * Writes are serialised; a vote that fails validation is refused before anything is written.
 *
 * @example
 * const cycles = await CycleService.open({ config, store, clock, logger, rest, health });
 * await cycles.castVote({ voter: "Heart", cycle_type: "sleep", vote: true, reasoning: "exhausted" });
 * const decision = await cycles.tick(); // null while a cycle runs
 */
import { Mutex } from "async-mutex";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import { type ConstellationMetrics, constellationMetrics } from "../core/cycles/constellation-metrics.js";
import { type CycleDecision, decideCycle, shouldEnd } from "../core/cycles/cycle-decider.js";
import type { CycleEvent } from "../core/cycles/cycle-events.js";
import { CYCLE_TYPES, type CycleType, cycleLabel, VOTERS } from "../core/cycles/cycle-types.js";
import { type CastVote, castVoteLive, telemetryVotes, validateCastVote } from "../core/cycles/votes.js";
import { ConflictError } from "../core/errors.js";
import type { ConstellationCycleRow, CycleQuery, Store } from "../store/store-types.js";
import { ConsensusTelemetry } from "./consensus-telemetry.js";
import {
  type CycleDetail,
  type CycleEndDetail,
  type CycleEndedBy,
  type CycleStartDetail,
  castVoteOf,
  cycleRecord,
  cycleStartOf,
  decisionKey,
  decisionOf,
  decisionRecord,
  voteRecord,
} from "./cycle-records.js";
import { EventBus } from "./event-bus.js";
import type { HealthService } from "./health-service.js";
import type { RestService } from "./rest-service.js";

export interface CycleServiceOptions {
  config: AutonomicConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  rest: RestService;
  health: HealthService;
}

/** The cycle running now. Times are clock ms. */
export interface ActiveCycleView {
  cycle_type: CycleType;
  started_at: number;
  planned_until: number;
}

export type LiveCastVote = CastVote & { expires_at: number };

export interface CooldownView {
  cooldown_seconds: number;
  /** 0 once a new cycle of this type may start. */
  remaining_seconds: number;
  /** Clock ms the last cycle of this type ended; null when none has. */
  last_ended_at: number | null;
}

export interface CycleStatus {
  active: (ActiveCycleView & { kernels: string[] }) | null;
  votes: LiveCastVote[];
  /** The newest consensus run's outcome (recorded or, when unchanged, not). */
  last_decision: CycleDecision | null;
  cooldowns: Record<CycleType, CooldownView>;
  metrics: ConstellationMetrics;
}

export interface CycleEndResult {
  cycle_type: CycleType;
  by: CycleEndedBy;
  reason: string;
  duration_seconds: number;
  woken: string[];
}

/**
 * How many rows are read back on open. Only the newest vote per voter and type counts, and
 * cycles of one type are at least its cooldown apart, so a type missing from the newest 100
 * cycle rows ended longer ago than any cooldown lasts; 1000 votes within one vote TTL is
 * far past what two voters send.
 */
const RESTORE_CYCLE_ROWS = 100;
const RESTORE_VOTE_ROWS = 1000;

export class CycleService {
  readonly events = new EventBus<CycleEvent>();
  private readonly mutex = new Mutex();
  private readonly cfg: AutonomicConfig["cycles"];
  private readonly telemetry: ConsensusTelemetry;
  private activeCycle: CycleStartDetail | null = null;
  /** The newest cast vote per voter and type. */
  private readonly castVotes = new Map<string, CastVote>();
  private readonly lastEnd: Record<CycleType, number | null> = { sleep: null, dream: null, mushroom: null };
  private lastDecision: CycleDecision | null = null;
  private lastRecordedKey: string | null = null;

  private constructor(private readonly o: CycleServiceOptions) {
    this.cfg = o.config.cycles;
    this.telemetry = new ConsensusTelemetry(this.cfg.windowSnapshots, o.rest, o.health);
  }

  /** Opens the service and restores the running cycle, live votes, the last decision and cooldowns. */
  static async open(options: CycleServiceOptions): Promise<CycleService> {
    const service = new CycleService(options);
    await service.restore();
    return service;
  }

  /** One consensus run; null while a cycle runs (its end is checked instead). */
  tick(): Promise<CycleDecision | null> {
    return this.mutex.runExclusive(async () => {
      const now = this.o.clock.now();
      const metrics = this.metrics();
      if (this.activeCycle) {
        const end = shouldEnd(this.activeCycle, metrics, now, this.cfg);
        if (end.end && end.by !== null) await this.finish(end.by, end.reason, metrics, now);
        return null;
      }
      const decision = decideCycle(
        {
          metrics,
          telemetryVotes: telemetryVotes(metrics, this.cfg),
          castVotes: [...this.castVotes.values()],
          now,
          lastCycleEnd: { ...this.lastEnd },
          active: null,
        },
        this.cfg,
      );
      const key = decisionKey(decision);
      const recorded = decision.started || key !== this.lastRecordedKey;
      if (decision.started && decision.cycle_type !== null) await this.start(decision, decision.cycle_type);
      else if (recorded) await this.o.rest.appendCycleRecords([decisionRecord(decision)]);
      this.lastDecision = decision;
      if (recorded) {
        this.lastRecordedKey = key;
        this.publish({ type: "cycle_decision", at: now, decision });
      }
      if (decision.started && this.activeCycle) this.publish(this.startedEvent(this.activeCycle, decision));
      return decision;
    });
  }

  /**
   * Records a vote cast by a live Heart or Ocean; a bad body is an InvalidInputError naming
   * the field, and writes nothing. `actor` (who sent it, e.g. "user:ada") is kept in its row.
   */
  async castVote(body: unknown, actor: string | null = null): Promise<LiveCastVote> {
    const valid = validateCastVote(body);
    return this.mutex.runExclusive(async () => {
      const at = this.o.clock.now();
      const vote: CastVote = { ...valid, at };
      const expires_at = at + this.cfg.castVoteTtlSeconds * 1000;
      await this.o.rest.appendCycleRecords([voteRecord(vote, expires_at, actor)]);
      this.castVotes.set(voteSlot(vote), vote);
      this.publish({
        type: "cycle_vote_cast",
        at,
        voter: vote.voter,
        cycle_type: vote.cycle_type,
        vote: vote.vote,
        reasoning: vote.reasoning,
        expires_at,
      });
      return { ...vote, expires_at };
    });
  }

  /**
   * An operator ends the running cycle (by "operator"); ConflictError("no_cycle") when none
   * runs. `actor` (e.g. "user:ada") is kept in the cycle's end record.
   */
  endActive(reason: string, actor: string | null = null): Promise<CycleEndResult> {
    return this.mutex.runExclusive(async () => {
      const active = this.activeCycle;
      if (!active) throw new ConflictError("no_cycle", "no constellation cycle is running");
      const why = reason.trim() === "" ? "ended by an operator" : reason.trim();
      const label = cycleLabel(active.cycle_type);
      return this.finish("operator", `${label} ends: ${why}`, this.metrics(), this.o.clock.now(), actor);
    });
  }

  active(): ActiveCycleView | null {
    const a = this.activeCycle;
    return a ? { cycle_type: a.cycle_type, started_at: a.started_at, planned_until: a.planned_until } : null;
  }

  status(): CycleStatus {
    const now = this.o.clock.now();
    const active = this.active();
    const cooldowns = {} as Record<CycleType, CooldownView>;
    for (const type of CYCLE_TYPES) {
      const last = this.lastEnd[type];
      const cooldown = this.cfg.cooldownSeconds[type];
      cooldowns[type] = {
        cooldown_seconds: cooldown,
        remaining_seconds: last === null ? 0 : Math.max(0, (last + cooldown * 1000 - now) / 1000),
        last_ended_at: last,
      };
    }
    return {
      active: active ? { ...active, kernels: this.o.rest.cycleKernels() } : null,
      votes: this.liveVotes(now),
      last_decision: this.lastDecision,
      cooldowns,
      metrics: this.metrics(),
    };
  }

  /** Stored decisions, votes and cycles, newest first. */
  history(query: CycleQuery = {}): Promise<ConstellationCycleRow[]> {
    return this.o.store.constellationCycles(query);
  }

  /** Waits for the run in progress, if any. */
  async drain(): Promise<void> {
    await this.mutex.waitForUnlock();
  }

  /** The metrics Heart and Ocean would vote on now. */
  metrics(): ConstellationMetrics {
    return constellationMetrics(this.telemetry.windows(), this.cfg);
  }

  /** Heart's first, then Ocean's, each in cycle-type priority order: the same state always lists the same way. */
  private liveVotes(now: number): LiveCastVote[] {
    const live: LiveCastVote[] = [];
    for (const voter of VOTERS)
      for (const type of CYCLE_TYPES) {
        const v = this.castVotes.get(voteSlot({ voter, cycle_type: type }));
        if (v && castVoteLive(v, now, this.cfg))
          live.push({ ...v, expires_at: v.at + this.cfg.castVoteTtlSeconds * 1000 });
      }
    return live;
  }

  private async start(decision: CycleDecision, type: CycleType): Promise<void> {
    const now = decision.at;
    const plannedSeconds = this.cfg.maxLengthSeconds[type];
    const base = {
      cycle_type: type,
      started_at: now,
      planned_until: now + plannedSeconds * 1000,
      votes: decision.votes,
      reason: decision.reason,
      metrics: decision.metrics,
    };
    let start: CycleStartDetail = { ...base, kernels: [] };
    await this.o.rest.startCycle(type, plannedSeconds, (kernels) => {
      start = { ...base, kernels };
      return [decisionRecord(decision), cycleRecord(start)];
    });
    this.activeCycle = start;
  }

  private async finish(
    by: CycleEndedBy,
    reason: string,
    metrics: ConstellationMetrics,
    now: number,
    actor: string | null = null,
  ): Promise<CycleEndResult> {
    const active = this.activeCycle as CycleStartDetail;
    const duration_seconds = (now - active.started_at) / 1000;
    const end: Omit<CycleEndDetail, "woken"> = {
      ended_at: now,
      by,
      actor,
      reason,
      metrics,
      duration_seconds,
    };
    let woken: string[] = [];
    await this.o.rest.endCycle((kernels) => {
      woken = kernels;
      const detail: CycleDetail = { start: active, end: { ...end, woken: kernels } };
      return { ended_at: now, detail };
    });
    this.activeCycle = null;
    this.lastEnd[active.cycle_type] = now;
    this.publish({
      type: "cycle_ended",
      at: now,
      cycle_type: active.cycle_type,
      by,
      reason,
      metrics,
      duration_seconds,
    });
    return { cycle_type: active.cycle_type, by, reason, duration_seconds, woken };
  }

  private startedEvent(start: CycleStartDetail, decision: CycleDecision): CycleEvent {
    return {
      type: "cycle_started",
      at: start.started_at,
      cycle_type: start.cycle_type,
      votes: decision.votes,
      reason: start.reason,
      metrics: start.metrics,
      planned_until: start.planned_until,
      kernels: start.kernels,
    };
  }

  private publish(event: CycleEvent): void {
    const { metrics: _metrics, ...loggable } = event as CycleEvent & { metrics?: unknown };
    this.o.logger.info({ ...loggable, at: new Date(event.at).toISOString() }, event.type);
    this.events.publish(event);
  }

  private async restore(): Promise<void> {
    const { store, clock, logger } = this.o;
    await this.telemetry.restore(store);
    const now = clock.now();
    const open = await store.openCycle();
    this.activeCycle = open ? cycleStartOf(open) : null;
    // Rows and rests commit together, so this means a row some other code wrote or changed.
    if (this.activeCycle === null && this.o.rest.cycleKernels().length > 0)
      logger.error(
        { cycle_kernels: this.o.rest.cycleKernels(), open_row: open?.id ?? null },
        "kernels rest in a cycle that has no readable open cycle row; no cycle will start until they wake",
      );
    const cycles = await store.constellationCycles({ kind: "cycle", limit: RESTORE_CYCLE_ROWS });
    for (const row of cycles) {
      const type = row.cycle_type as CycleType;
      if (row.ended_at !== null && type in this.lastEnd && this.lastEnd[type] === null)
        this.lastEnd[type] = row.ended_at;
    }
    const votes = await store.constellationCycles({
      kind: "vote",
      sinceMs: now - this.cfg.castVoteTtlSeconds * 1000,
      limit: RESTORE_VOTE_ROWS,
    });
    // Oldest first, so the newest per voter and type is the one kept.
    for (const row of [...votes].reverse()) {
      const vote = castVoteOf(row);
      if (vote) this.castVotes.set(voteSlot(vote), vote);
    }
    const [last] = await store.constellationCycles({ kind: "decision", limit: 1 });
    this.lastDecision = last ? decisionOf(last) : null;
    this.lastRecordedKey = this.lastDecision ? decisionKey(this.lastDecision) : null;
    logger.info(
      {
        active: this.activeCycle?.cycle_type ?? null,
        cycle_kernels: this.o.rest.cycleKernels().length,
        live_votes: this.liveVotes(now).length,
      },
      "cycle state restored",
    );
  }
}

function voteSlot(v: Pick<CastVote, "voter" | "cycle_type">): string {
  return `${v.voter}:${v.cycle_type}`;
}
