/**
 * The live demo's virtual clock. It runs `speed` times wall time while the simulated kernels
 * keep up, and stands still while they are behind (`hold`), so a demo client that falls
 * behind its sped-up clock is never mistaken for a silent kernel: the server, which reads the
 * same clock, sees time pass only as fast as the kernels can report. A stall of the event loop
 * (a garbage collection, a slow disk) moves it on by at most `maxStepWallMs` of wall time, not
 * by the whole stall.
 *
 * It also stops at a barrier (`stopAt`): the demo sets it at the next report time, so every
 * round of reports is sent at its exact virtual instant, however late the event loop ran, and
 * the server sees one snapshot per kernel each report interval, never a skipped one.
 *
 * The demo says how fast the clock really ran (`effectiveSpeed`), so a slowed clock is no secret.
 */
import { type Clock, systemClock } from "../core/clock.js";

export class DemoClock implements Clock {
  private committedMs: number;
  private lastWall: number;
  private readonly startWall: number;
  private held = false;
  private barrierMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly startMs: number,
    readonly speed: number,
    private readonly wall: Clock = systemClock,
    private readonly maxStepWallMs = 250,
  ) {
    if (!(speed > 0 && Number.isFinite(speed))) throw new RangeError("speed: must be a positive number");
    this.committedMs = startMs;
    this.lastWall = wall.now();
    this.startWall = this.lastWall;
  }

  now(): number {
    return Math.floor(this.running());
  }

  /**
   * Called by the demo each step: with `hold` true the clock stops here until a tick with
   * `hold` false (the wall time in between is skipped, not made up later).
   */
  tick(hold: boolean): void {
    this.committedMs = this.running();
    this.lastWall = this.wall.now();
    this.held = hold;
  }

  /** The clock goes no further than `ms` (virtual epoch milliseconds) until a later barrier is set. */
  stopAt(ms: number): void {
    this.barrierMs = Math.max(ms, this.committedMs);
  }

  private running(): number {
    const ahead = this.held ? 0 : this.sinceLastTick() * this.speed;
    return Math.min(this.committedMs + ahead, Math.max(this.barrierMs, this.committedMs));
  }

  /** Virtual seconds per wall second since the start: `speed` unless the clock was held. */
  get effectiveSpeed(): number {
    const wallMs = this.wall.now() - this.startWall;
    return wallMs <= 0 ? this.speed : (this.now() - this.startMs) / wallMs;
  }

  private sinceLastTick(): number {
    return Math.min(Math.max(0, this.wall.now() - this.lastWall), this.maxStepWallMs);
  }
}
