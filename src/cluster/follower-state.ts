/**
 * A follower's own state (SPEC §9: followers serve reads no staler than `ha.maxReadLagMs`).
 *
 * The follower keeps a read plane: the services restored from the database, as a new leader
 * restores them, with the app that answers reads from them. The leader's every commit sends a
 * notification in its own transaction (fenced-pool.ts), which the follower hears on its
 * election connection; each one marks the plane stale from the moment it is heard, and a new
 * plane is built from the store and swapped in. A build that begins after a change was heard
 * holds it, because the change had committed before it could be heard.
 *
 * A read is answered from the plane only while nothing heard is older than `maxLagMs` and not
 * yet in it; otherwise it goes to the leader, which is never behind. The bound holds whatever
 * a build costs: a slow build only sends more reads to the leader. While the notifications
 * cannot be heard (the connection is down), any commit may be missed, so the plane counts as
 * stale from the moment hearing stopped, and no build starts until hearing resumes.
 *
 * A read after a write this replica forwarded goes to the leader too, until a build that
 * began after the write's answer lands: a client using one replica reads its own writes.
 *
 * Builds are spaced (at least `minSpacingMs` apart, and at least as far apart as the last one
 * took), so a follower under a steady stream of commits spends at most about half its time
 * rebuilding. A replaced plane keeps answering the reads it has for `retireAfterMs`, then closes.
 *
 * @example
 * const state = new FollowerState({ open: () => openReadPlane(o), close: (app) => app.close(),
 *   maxLagMs: 3000, now: () => clock.now(), logger });
 * state.follow();            // this replica follows: build a plane
 * state.changed();           // a commit notification arrived
 * const read = state.read(); // { plane, lagMs } or { reason } (forward it)
 */
import type { Logger } from "pino";

export interface FollowerStateOptions<P> {
  /** Builds a plane from the store as it is now. */
  open: () => Promise<P>;
  close: (plane: P) => Promise<void>;
  maxLagMs: number;
  now: () => number;
  logger: Logger;
  /** Least time between the starts of two builds (default maxLagMs / 4). */
  minSpacingMs?: number;
  /** How long a replaced plane goes on answering what it was given (default 10 s). */
  retireAfterMs?: number;
}

/** Where a read should be answered: this plane (at most `lagMs` behind), or not here (why). */
export type FollowerRead<P> = { plane: P; lagMs: number } | { plane: null; reason: string };

export class FollowerState<P> {
  private plane: P | null = null;
  private following = false;
  /** Whether the leader's commits can be heard: not until LISTEN first holds. */
  private hearing = false;
  /** When the first change not (surely) in the plane was heard; null: none. */
  private staleSince: number | null = null;
  /** While a build runs: when the first change since it began was heard (it may miss that). */
  private buildRunning = false;
  private heardDuringBuild: number | null = null;
  private building: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastBuildStart = Number.NEGATIVE_INFINITY;
  private lastBuildMs = 0;
  /** Writes forwarded and answered, and how many of them the plane holds. */
  private writesThrough = 0;
  private writesInPlane = 0;
  private readonly retiring = new Set<P>();

  constructor(private readonly o: FollowerStateOptions<P>) {}

  /** This replica follows: keep a plane from now on. */
  follow(): void {
    if (this.following) return;
    this.following = true;
    this.staleSince ??= this.o.now();
    this.schedule(0);
  }

  /** This replica leads (or stops): its own services answer; the plane goes. */
  lead(): void {
    this.following = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.plane !== null) this.retire(this.plane);
    this.plane = null;
    this.staleSince = null;
  }

  /** A commit was heard. */
  changed(): void {
    this.heard();
    this.schedule();
  }

  /** Commits can be heard again; any may have been missed meanwhile. */
  listening(): void {
    this.hearing = true;
    this.changed();
  }

  /** Commits can no longer be heard: from now on the plane may be behind unknowingly. */
  lost(): void {
    this.hearing = false;
    this.heard();
  }

  private heard(): void {
    const now = this.o.now();
    this.staleSince ??= now;
    if (this.buildRunning) this.heardDuringBuild ??= now;
  }

  /** A write this replica forwarded was answered (committed, or refused) by the leader. */
  wroteThrough(): void {
    this.writesThrough++;
  }

  read(): FollowerRead<P> {
    if (!this.following) return { plane: null, reason: "this replica leads" };
    if (this.plane === null) return { plane: null, reason: "its own state is not loaded yet" };
    if (this.writesInPlane < this.writesThrough)
      return { plane: null, reason: "a write through this replica is not in its own state yet" };
    const lagMs = this.staleSince === null ? 0 : this.o.now() - this.staleSince;
    if (lagMs > this.o.maxLagMs) {
      this.schedule(0);
      return {
        plane: null,
        reason: this.hearing
          ? `its own state may be ${lagMs} ms behind, more than ha.maxReadLagMs`
          : "it cannot hear the leader's commits",
      };
    }
    return { plane: this.plane, lagMs };
  }

  /** Resolves once no build is running (tests). */
  async settled(): Promise<void> {
    while (this.building) await this.building;
  }

  /** Stops building and closes every plane. */
  async stop(): Promise<void> {
    this.lead();
    await this.settled();
    const planes = [...this.retiring];
    this.retiring.clear();
    await Promise.all(planes.map((p) => this.o.close(p).catch(() => {})));
  }

  /** Starts a build after `delayMs` (default: the spacing still due), unless one is running or due. */
  private schedule(delayMs?: number): void {
    if (!this.following || !this.hearing || this.building) return;
    const spacing = Math.max(this.o.minSpacingMs ?? this.o.maxLagMs / 4, this.lastBuildMs);
    const due = delayMs ?? Math.max(0, this.lastBuildStart + spacing - this.o.now());
    if (this.timer) {
      if (due > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.building = this.build().finally(() => {
        this.building = null;
        if (this.staleSince !== null) this.schedule();
      });
    }, due);
    this.timer.unref();
  }

  private async build(): Promise<void> {
    if (!this.following || !this.hearing) return;
    const started = this.o.now();
    const writes = this.writesThrough;
    // Everything heard so far committed before this build reads the store; what is heard
    // from now on may not be in what it reads.
    this.buildRunning = true;
    this.heardDuringBuild = null;
    this.lastBuildStart = started;
    try {
      const plane = await this.o.open();
      this.lastBuildMs = this.o.now() - started;
      if (!this.following) {
        this.retire(plane);
        return;
      }
      const old = this.plane;
      this.plane = plane;
      this.staleSince = this.heardDuringBuild;
      this.writesInPlane = writes;
      if (old !== null) this.retire(old);
    } catch (err) {
      // Still as stale as before, from when it first was.
      this.o.logger.warn({ err }, "could not load this follower's own state; reads go to the leader");
    } finally {
      this.buildRunning = false;
      this.heardDuringBuild = null;
    }
  }

  private retire(plane: P): void {
    this.retiring.add(plane);
    setTimeout(() => {
      if (!this.retiring.delete(plane)) return;
      void this.o.close(plane).catch(() => {});
    }, this.o.retireAfterMs ?? 10_000).unref();
  }
}
