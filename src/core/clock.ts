/**
 * Time for the core comes only from a Clock, so the same code runs on wall time in the
 * server and on virtual time in the simulator and tests.
 *
 * @example
 * const clock = new ManualClock(0);
 * clock.advanceSeconds(90);
 * clock.now(); // 90_000
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (or since the start of a simulation). */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: for tests, benchmarks and the simulator. */
export class ManualClock implements Clock {
  constructor(private nowMs = 0) {}

  now(): number {
    return this.nowMs;
  }

  set(ms: number): void {
    if (ms < this.nowMs) throw new RangeError(`clock cannot go back from ${this.nowMs} to ${ms}`);
    this.nowMs = ms;
  }

  advanceSeconds(seconds: number): void {
    this.set(this.nowMs + seconds * 1000);
  }
}
