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
   * Called when a commit failed, before the members are failed: reloads the state the group
   * touched from the store. Returns the error each member receives.
   */
  recover: (error: unknown, changes: C[]) => Promise<Error>;
  /** After a commit: publish the group's events, in order. */
  committed?: (changes: C[]) => void;
}

interface Waiting<C> {
  apply: () => Applied<C, unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class WriteQueue<C> {
  private readonly waiting: Waiting<C>[] = [];
  private draining: Promise<void> | null = null;
  /** Sizes of the groups committed, for tests and metrics. */
  private groups = 0;
  private members = 0;

  constructor(private readonly options: WriteQueueOptions<C>) {}

  /**
   * Queues a write; resolves with its value once the transaction holding it has committed,
   * or rejects with its own refusal or the group's commit error.
   */
  submit<T>(apply: () => Applied<C, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves once every write queued so far (and any queued meanwhile) has been answered. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Groups committed and writes in them, since start. */
  stats(): { groups: number; writes: number } {
    return { groups: this.groups, writes: this.members };
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.commitGroup();
      }
    } finally {
      this.draining = null;
    }
  }

  private async commitGroup(): Promise<void> {
    const taken = this.waiting.splice(0, this.options.maxGroup);
    const members: { w: Waiting<C>; value: unknown }[] = [];
    const changes: C[] = [];
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
      members.push({ w, value: applied.value });
      if (applied.change === null) continue;
      changes.push(applied.change);
      if (applied.last) {
        // The rest wait for the next group, ahead of anything that arrived since.
        this.waiting.unshift(...taken.slice(i + 1));
        break;
      }
    }
    if (changes.length > 0) {
      try {
        await this.options.commit(changes);
      } catch (err) {
        const error = await this.options.recover(err, changes);
        for (const m of members) m.w.reject(error);
        return;
      }
      this.groups++;
      this.members += changes.length;
      this.options.committed?.(changes);
    }
    for (const m of members) m.w.resolve(m.value);
  }
}
