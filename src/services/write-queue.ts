/**
 * Group commit (DESIGN.md "The write path"): one writer owns a service's state, and its
 * writes wait in a queue. A drain takes everything waiting, applies each write to memory in
 * arrival order, commits them all in ONE transaction, and only then answers each request,
 * the same shape as PostgreSQL's own group commit.
 *
 * - A lone request commits at once: nothing waits for company or a timer, so latency under
 *   light load does not grow. Before each commit the queue yields one turn of the event loop
 *   (setImmediate), so requests already received on other connections join the group; on
 *   SQLite, whose commits run synchronously and so never leave time for more to arrive, that
 *   turn is the only way a group forms. Requests that arrive while a commit is in flight
 *   form the next group.
 * - A write refused while applying (bad input, a conflict) changes nothing, by the core's
 *   rule "validate, then change"; it is answered with its error and the group goes on.
 * - A failed commit fails every member with the store's error, after `recover` has put
 *   memory back to what the store holds.
 * - Group size is bounded (`maxGroup`); a member that must end its group (`last`) does.
 * - Up to `maxInFlight` groups may be committing at once, each on its own connection (on
 *   PostgreSQL a commit waits for the WAL flush, and a second group need not wait for the
 *   first's). Two groups overlap only when `keysOf` says their writes touch disjoint keys
 *   (kernels), so per key the commits land in arrival order; a change with no keys (null)
 *   commits alone. A group formed while an earlier one failed is failed too, uncommitted,
 *   and `recover` runs once every commit in flight has settled, so memory ends as the
 *   store has it and no write is both failed and stored.
 *
 * @example
 * const queue = new WriteQueue<Change>({ maxGroup: 512, commit: (changes) => store.commitAll(changes),
 *   recover: (err) => reload(err) });
 * const value = await queue.submit(() => ({ value: reply, change }));
 */

/** What applying one write gave: its reply, what to commit, and whether it must close its group. */
export interface Applied<C, T> {
  value: T;
  /** What to commit; null when the write changed nothing that is stored. */
  change: C | null;
  /** Commit this group now, with this write last (e.g. a write whose commit must not share one). */
  last?: boolean;
}

export interface WriteQueueOptions<C> {
  /** Most writes in one transaction (config `writes.maxGroupWrites`). */
  maxGroup: number;
  /** Commits every change of a group in one transaction, in order. */
  commit: (changes: C[]) => Promise<void>;
  /**
   * Called when a commit failed, once no commit is in flight, before the members are failed:
   * reloads the state the groups touched from the store. Returns the error each member receives.
   */
  recover: (error: unknown, changes: C[]) => Promise<Error>;
  /** After a commit: publish the group's events, in order. */
  committed?: (changes: C[]) => void;
  /** Groups committing at once (config `writes.maxGroupsInFlight`); 1 when not given. */
  maxInFlight?: number;
  /** The keys a change writes, or null when its group must commit alone. Needed for maxInFlight > 1. */
  keysOf?: (change: C) => readonly string[] | null;
}

export interface WriteStats {
  groups: number;
  writes: number;
  overlapped: number;
}

interface Waiting<C> {
  apply: () => Applied<C, unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A group taken from the queue and applied to memory. */
interface Group<C> {
  members: { w: Waiting<C>; value: unknown }[];
  changes: C[];
  /** The keys its changes write; null when it must commit alone. */
  keys: Set<string> | null;
}

/** A group whose commit is in flight. */
interface Flight {
  keys: Set<string> | null;
  /** Resolves (never rejects) once the commit has settled and its members are answered. */
  settled: Promise<void>;
}

export class WriteQueue<C> {
  private readonly waiting: Waiting<C>[] = [];
  private draining: Promise<void> | null = null;
  private readonly flights = new Set<Flight>();
  /** Groups whose commit failed, waiting for recovery once nothing is in flight. */
  private failed: { error: unknown; groups: Group<C>[] } | null = null;
  private readonly maxInFlight: number;
  /** Wakes a drain that waits for commits in flight when a write arrives. */
  private arrived: (() => void) | null = null;
  /** Sizes of the groups committed, for tests and metrics. */
  private groups = 0;
  private members = 0;
  /** Groups that began committing while another commit was in flight. */
  private overlapped = 0;

  constructor(private readonly options: WriteQueueOptions<C>) {
    this.maxInFlight = options.keysOf ? Math.max(1, options.maxInFlight ?? 1) : 1;
  }

  /**
   * Queues a write; resolves with its value once the transaction holding it has committed,
   * or rejects with its own refusal or the group's commit error.
   */
  submit<T>(apply: () => Applied<C, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      this.arrived?.();
      this.draining ??= this.drain();
    });
  }

  /** Resolves once every write queued so far (and any queued meanwhile) has been answered. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Groups committed and writes in them, since start, and groups that overlapped another's commit. */
  stats(): WriteStats {
    return { groups: this.groups, writes: this.members, overlapped: this.overlapped };
  }

  private async drain(): Promise<void> {
    try {
      // Writes submitted while the last commits are in flight are drained here too, so the
      // loop ends only when nothing waits and nothing is in flight.
      while (this.waiting.length > 0 || this.flights.size > 0) {
        if (this.waiting.length === 0) {
          // Until a commit lands or a write arrives (which may go beside the commits in flight).
          await Promise.race([this.anySettled(), new Promise<void>((resolve) => (this.arrived = resolve))]);
          this.arrived = null;
          continue;
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
        while (this.flights.size >= this.maxInFlight) await this.anySettled();
        if (this.failed) await this.recover();
        const group = this.form();
        // Wait for the commits this group may not overlap (all of them, for a group without keys).
        for (let blocking = this.blocking(group); blocking.length > 0; blocking = this.blocking(group))
          await Promise.all(blocking.map((f) => f.settled));
        if (this.failed) {
          // Applied on top of a write that did not commit: fail it too, uncommitted.
          this.failed.groups.push(group);
          await this.recover();
          continue;
        }
        if (group.changes.length === 0) {
          // Only refusals answered as values: answered in their turn, after the writes before.
          for (const m of group.members) m.w.resolve(m.value);
          continue;
        }
        this.launch(group);
      }
      if (this.failed) await this.recover();
    } finally {
      this.draining = null;
    }
  }

  /** Takes the next group off the queue and applies each member to memory, in arrival order. */
  private form(): Group<C> {
    const taken = this.waiting.splice(0, this.options.maxGroup);
    const group: Group<C> = { members: [], changes: [], keys: new Set() };
    for (let i = 0; i < taken.length; i++) {
      const w = taken[i] as Waiting<C>;
      let applied: Applied<C, unknown>;
      try {
        applied = w.apply();
      } catch (err) {
        w.reject(err);
        continue;
      }
      // A write that stores nothing (a refusal answered as a value) is still answered in its
      // turn, after the writes before it commit, so replies keep arrival order.
      group.members.push({ w, value: applied.value });
      if (applied.change === null) continue;
      group.changes.push(applied.change);
      this.addKeys(group, applied.change);
      if (applied.last) {
        // The rest wait for the next group, ahead of anything that arrived since.
        this.waiting.unshift(...taken.slice(i + 1));
        break;
      }
    }
    return group;
  }

  private addKeys(group: Group<C>, change: C): void {
    if (group.keys === null) return;
    const keys = this.options.keysOf?.(change) ?? null;
    if (keys === null) group.keys = null;
    else for (const key of keys) group.keys.add(key);
  }

  /** The commits in flight that `group` must wait for: any sharing a key, or all when either has none. */
  private blocking(group: Group<C>): Flight[] {
    const blocking: Flight[] = [];
    for (const flight of this.flights) {
      const { keys } = flight;
      if (group.keys === null || keys === null || group.changes.length === 0) blocking.push(flight);
      else
        for (const key of group.keys)
          if (keys.has(key)) {
            blocking.push(flight);
            break;
          }
    }
    return blocking;
  }

  private launch(group: Group<C>): void {
    if (this.flights.size > 0) this.overlapped++;
    const flight: Flight = { keys: group.keys, settled: Promise.resolve() };
    // Through a promise, so a commit that throws at once fails like one that rejects; the
    // flight leaves the set as it settles, before anyone awaiting `settled` looks again.
    flight.settled = Promise.resolve()
      .then(() => this.options.commit(group.changes))
      .then(
        () => {
          this.groups++;
          this.members += group.changes.length;
          this.options.committed?.(group.changes);
          for (const m of group.members) m.w.resolve(m.value);
        },
        (error: unknown) => {
          // Answered once every commit in flight has settled and memory is reloaded.
          if (this.failed) this.failed.groups.push(group);
          else this.failed = { error, groups: [group] };
        },
      )
      .then(() => {
        this.flights.delete(flight);
      });
    this.flights.add(flight);
  }

  private anySettled(): Promise<void> {
    return this.flights.size === 0
      ? Promise.resolve()
      : Promise.race([...this.flights].map((f) => f.settled));
  }

  /** Once nothing is in flight: reloads memory from the store, then fails every failed group's members. */
  private async recover(): Promise<void> {
    while (this.flights.size > 0) await this.anySettled();
    const failed = this.failed;
    if (!failed) return;
    this.failed = null;
    const changes = failed.groups.flatMap((g) => g.changes);
    const error = await this.options.recover(failed.error, changes);
    for (const g of failed.groups) for (const m of g.members) m.w.reject(error);
  }
}
