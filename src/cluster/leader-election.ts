/**
 * Who leads (SPEC §9): each server keeps one PostgreSQL connection of its own, outside the
 * store's pool, and on it tries a session-level advisory lock every leaseSeconds / 5. The
 * holder leads; PostgreSQL releases the lock when that session ends (kill -9, a lost
 * network), so no consensus code of our own is needed. On winning, the new leader raises the
 * generation in `cluster_leadership` (the fence every commit of its checks, fenced-pool.ts).
 * On the same connection each server writes its heartbeat row, which says where it listens:
 * that is how followers find the leader's URL. A leader that loses this connection stops
 * writing at once (the fence closes before anything else runs) and becomes a follower.
 *
 * A leader that is alive but silent (its heartbeat older than the lease, its process stopped
 * or starved) would keep the lock forever; a follower then ends its lock session with
 * pg_terminate_backend, and takes over on its next poll.
 *
 * @example
 * const election = new LeaderElection({ databaseUrl, replicaId, url, leaseSeconds: 5, clock,
 *   logger, fence, onElected: (takeover) => openTerm(takeover), onDeposed: (why) => closeTerm(why),
 *   commits: followerState });
 * await election.start();
 * election.view(); // { role: "leader", generation: 3, leaderUrl: "http://10.0.0.5:7070", … }
 */
import pg from "pg";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import { COMMIT_CHANNEL, type Fence } from "./fenced-pool.js";

/** The advisory lock key: "auto" in ASCII. Locks are per database, so one key serves every deployment. */
export const LEADER_LOCK_KEY = 0x6175746f;

export interface ClusterView {
  replicaId: string;
  url: string;
  role: "leader" | "follower";
  /** This server's generation while it leads; null while it follows. */
  generation: number | null;
  leaderId: string | null;
  leaderUrl: string | null;
  /** When the current leader took over (ms since the epoch). */
  leaderSince: number | null;
  /** The newest generation seen in the database. */
  clusterGeneration: number;
  /** Whether the last poll reached the database; with the reason when not. */
  databaseReachable: boolean;
  databaseError: string | null;
  /** When the database last answered this server (ms since the epoch; 0: never). */
  lastContactAt: number;
}

export interface ReplicaRow {
  replica_id: string;
  url: string;
  role: string;
  generation: number | null;
  started_at: number;
  heartbeat_at: number;
  leader_since: number | null;
}

/** A leadership term beginning, and whom it follows. */
export interface Takeover {
  generation: number;
  previousLeaderId: string | null;
  /** Whether the previous leader stopped cleanly (SIGTERM) rather than died or was cut off. */
  previousStopped: boolean;
}

export interface LeaderElectionOptions {
  databaseUrl: string;
  replicaId: string;
  /** Where the other replicas reach this one. */
  url: string;
  leaseSeconds: number;
  clock: Clock;
  logger: Logger;
  fence: Fence;
  /** Opens the leader's services; a throw gives the lock back. */
  onElected: (term: Takeover) => Promise<void>;
  /** Called after the fence has closed: stop the loops, drop the services. */
  onDeposed: (reason: string) => void;
  /**
   * The leader's commits, heard on this same connection while this server follows (LISTEN on
   * COMMIT_CHANNEL): `changed` on each; `listening` once LISTEN holds (again), when anything
   * may have changed unheard; `lost` when the connection goes or this server leads, from when
   * nothing is heard.
   */
  commits: { changed(): void; listening(): void; lost(): void };
}

export class LeaderElection {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = false;
  /** Whether this connection LISTENs on COMMIT_CHANNEL. */
  private listening = false;
  private readonly startedAt: number;
  private state: ClusterView;

  constructor(private readonly o: LeaderElectionOptions) {
    this.startedAt = o.clock.now();
    this.state = {
      replicaId: o.replicaId,
      url: o.url,
      role: "follower",
      generation: null,
      leaderId: null,
      leaderUrl: null,
      leaderSince: null,
      clusterGeneration: 0,
      databaseReachable: false,
      databaseError: "not connected yet",
      lastContactAt: 0,
    };
  }

  /** How often the lock is tried and the heartbeat written. */
  get pollMs(): number {
    return Math.max(50, Math.round((this.o.leaseSeconds * 1000) / 5));
  }

  /** Polls once (so a lone server leads before it answers), then every pollMs. */
  async start(): Promise<void> {
    await this.poll();
    this.schedule();
  }

  view(): ClusterView {
    return { ...this.state };
  }

  /** Every replica's heartbeat row, newest first. */
  async replicas(): Promise<ReplicaRow[]> {
    const client = this.client;
    if (client === null) throw new Error(this.state.databaseError ?? "no database connection");
    const result = await client.query(
      "SELECT replica_id, url, role, generation, started_at, heartbeat_at, leader_since FROM cluster_replicas ORDER BY heartbeat_at DESC",
    );
    return result.rows.map((r) => ({
      ...r,
      generation: r.generation === null ? null : Number(r.generation),
    })) as ReplicaRow[];
  }

  /** Stops polling; a leader gives the lock back (by closing its session) after `beforeRelease`. */
  async stop(beforeRelease: () => Promise<void> = async () => {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    await beforeRelease();
    const client = this.client;
    this.client = null;
    if (client) {
      await client
        .query("UPDATE cluster_replicas SET role = 'stopped', heartbeat_at = $2 WHERE replica_id = $1", [
          this.o.replicaId,
          this.o.clock.now(),
        ])
        .catch(() => {});
      await client.end().catch(() => {});
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = null;
        this.schedule();
      });
    }, this.pollMs);
    this.timer.unref();
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl, keepAlive: true });
    // A dead lock session must close the fence at once, not at the next poll.
    client.on("error", (err) => this.connectionLost(client, err));
    client.on("end", () => this.connectionLost(client, new Error("connection closed")));
    client.on("notification", (message) => {
      if (message.channel === COMMIT_CHANNEL) this.o.commits.changed();
    });
    await client.connect();
    return client;
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    let client = this.client;
    try {
      if (client === null) {
        client = await this.connect();
        this.client = client;
      }
      if (this.state.role === "leader") await this.confirmLeading(client);
      else await this.tryToLead(client);
      await this.listenWhileFollowing(client);
      await this.heartbeat(client);
      this.state.databaseReachable = true;
      this.state.databaseError = null;
      this.state.lastContactAt = this.o.clock.now();
    } catch (err) {
      if (client) this.connectionLost(client, err);
      else this.markUnreachable(err);
    }
  }

  /**
   * A follower hears the leader's commits; a leader does not need to hear its own, so it
   * stops listening (and its follower state counts as deaf until it listens again).
   */
  private async listenWhileFollowing(client: pg.Client): Promise<void> {
    const commits = this.o.commits;
    const want = this.state.role === "follower";
    if (want === this.listening) return;
    if (!want) commits.lost();
    await client.query(want ? `LISTEN ${COMMIT_CHANNEL}` : `UNLISTEN ${COMMIT_CHANNEL}`);
    this.listening = want;
    if (want) commits.listening();
  }

  private async confirmLeading(client: pg.Client): Promise<void> {
    const row = (await client.query("SELECT generation FROM cluster_leadership WHERE id = 1")).rows[0];
    const generation = Number(row?.generation);
    if (generation !== this.state.generation) this.depose(`generation ${generation} superseded ours`);
  }

  private async tryToLead(client: pg.Client): Promise<void> {
    const got = (await client.query("SELECT pg_try_advisory_lock($1) AS got", [LEADER_LOCK_KEY])).rows[0]
      ?.got;
    if (got !== true) {
      await this.learnLeader(client);
      return;
    }
    const before = (
      await client.query(
        `SELECT l.leader_id, r.role FROM cluster_leadership l
           LEFT JOIN cluster_replicas r ON r.replica_id = l.leader_id WHERE l.id = 1`,
      )
    ).rows[0];
    const now = this.o.clock.now();
    // Waits for the share locks of commits still in flight under the old generation.
    const row = (
      await client.query(
        "UPDATE cluster_leadership SET generation = generation + 1, leader_id = $1, leader_url = $2, since = $3 WHERE id = 1 RETURNING generation",
        [this.o.replicaId, this.o.url, now],
      )
    ).rows[0];
    const generation = Number(row?.generation);
    Object.assign(this.state, {
      role: "leader",
      generation,
      clusterGeneration: generation,
      leaderId: this.o.replicaId,
      leaderUrl: this.o.url,
      leaderSince: now,
    });
    this.o.fence.lead(generation);
    this.o.logger.info({ replica_id: this.o.replicaId, generation }, "leadership acquired");
    try {
      await this.o.onElected({
        generation,
        previousLeaderId: before?.leader_id ?? null,
        previousStopped: before?.role === "stopped",
      });
    } catch (err) {
      this.o.logger.error({ err }, "could not start leading; giving the lock back");
      this.depose("start-up as leader failed");
      await client.query("SELECT pg_advisory_unlock($1)", [LEADER_LOCK_KEY]);
      throw err;
    }
  }

  private async learnLeader(client: pg.Client): Promise<void> {
    const row = (
      await client.query(
        `SELECT l.generation, l.leader_id, l.leader_url, l.since, r.heartbeat_at, r.backend_pid
           FROM cluster_leadership l LEFT JOIN cluster_replicas r ON r.replica_id = l.leader_id
          WHERE l.id = 1`,
      )
    ).rows[0];
    if (!row) return;
    Object.assign(this.state, {
      clusterGeneration: Number(row.generation),
      leaderId: row.leader_id,
      leaderUrl: row.leader_url,
      leaderSince: row.since,
    });
    const silentMs = row.heartbeat_at === null ? 0 : this.o.clock.now() - row.heartbeat_at;
    if (row.backend_pid !== null && silentMs > this.o.leaseSeconds * 1000) {
      this.o.logger.warn(
        { leader_id: row.leader_id, silent_ms: silentMs },
        "leader silent longer than the lease; ending its lock session",
      );
      await client.query("SELECT pg_terminate_backend($1)", [row.backend_pid]);
    }
  }

  private async heartbeat(client: pg.Client): Promise<void> {
    const leading = this.state.role === "leader";
    await client.query(
      `INSERT INTO cluster_replicas (replica_id, url, role, generation, started_at, heartbeat_at, leader_since, backend_pid)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $3 = 'leader' THEN pg_backend_pid() END)
       ON CONFLICT (replica_id) DO UPDATE SET url = excluded.url, role = excluded.role,
         generation = excluded.generation, heartbeat_at = excluded.heartbeat_at,
         leader_since = excluded.leader_since, backend_pid = excluded.backend_pid`,
      [
        this.o.replicaId,
        this.o.url,
        this.state.role,
        this.state.generation,
        this.startedAt,
        this.o.clock.now(),
        leading ? this.state.leaderSince : null,
      ],
    );
  }

  private connectionLost(client: pg.Client, err: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners("end");
    client.on("error", () => {});
    void client.end().catch(() => {});
    this.listening = false;
    this.o.commits.lost();
    this.markUnreachable(err);
    if (this.state.role === "leader") this.depose("lost the database connection holding the leader lock");
  }

  private markUnreachable(err: unknown): void {
    const reason = err instanceof Error ? err.message || err.name : String(err);
    if (this.state.databaseReachable || this.state.databaseError !== reason)
      this.o.logger.warn({ err: reason }, "database unreachable");
    this.state.databaseReachable = false;
    this.state.databaseError = reason;
  }

  private depose(reason: string): void {
    if (this.state.role !== "leader") return;
    // First: from here on, no commit of this server passes the fence.
    this.o.fence.follow();
    const generation = this.state.generation;
    Object.assign(this.state, { role: "follower", generation: null });
    this.o.logger.warn({ replica_id: this.o.replicaId, generation, reason }, "leadership lost");
    this.o.onDeposed(reason);
  }
}
