/**
 * The one scheduler for periodic work (auto-wake, retention, later healing and
 * consensus). A job whose last run is still going is skipped, not stacked; `stop` waits
 * for runs in flight, so nothing is cut off half-written.
 *
 * @example
 * const runner = new PeriodicRunner(logger);
 * runner.add("auto-wake", 1000, () => rest.tick());
 * runner.start();
 * await runner.stop();
 */
import type { Logger } from "pino";

interface Job {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  timer: NodeJS.Timeout | null;
  inFlight: Promise<void> | null;
  runs: number;
  skipped: number;
  failures: number;
}

export interface JobStats {
  name: string;
  runs: number;
  skipped: number;
  failures: number;
}

export class PeriodicRunner {
  private readonly jobs: Job[] = [];
  private running = false;

  constructor(private readonly logger?: Logger) {}

  add(name: string, intervalMs: number, run: () => Promise<unknown>): void {
    this.jobs.push({ name, intervalMs, run, timer: null, inFlight: null, runs: 0, skipped: 0, failures: 0 });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const job of this.jobs) job.timer = setInterval(() => this.fire(job), job.intervalMs);
  }

  /** Runs a job now (as its timer would), for tests and for an operator's "run now". */
  fire(job: Job | string): Promise<void> | null {
    const j = typeof job === "string" ? this.jobs.find((x) => x.name === job) : job;
    if (!j) throw new Error(`no periodic job named ${job}`);
    if (j.inFlight) {
      j.skipped++;
      return null;
    }
    j.runs++;
    j.inFlight = j
      .run()
      .then(
        () => undefined,
        (err: unknown) => {
          j.failures++;
          this.logger?.error({ job: j.name, err }, "periodic job failed");
        },
      )
      .finally(() => {
        j.inFlight = null;
      });
    return j.inFlight;
  }

  /** Stops the timers and waits for runs in flight. */
  async stop(): Promise<void> {
    this.running = false;
    for (const job of this.jobs) {
      if (job.timer) clearInterval(job.timer);
      job.timer = null;
    }
    await Promise.all(this.jobs.map((j) => j.inFlight));
  }

  stats(): JobStats[] {
    return this.jobs.map(({ name, runs, skipped, failures }) => ({ name, runs, skipped, failures }));
  }
}
