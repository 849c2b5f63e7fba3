/**
 * Several `autonomic serve` processes on one PostgreSQL database (SPEC §9), for the HA
 * tests: start them, ask any of them who leads, wait for a takeover, and read the shared
 * store directly.
 */

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { eventually } from "./healing-http.js";
import { createTestDatabase, type TestDatabase } from "./postgres.js";
import { freePort } from "./prometheus-process.js";
import { REPO_ROOT, type ServerProcess, startServerProcess, stopAllServers } from "./server-process.js";

export { freePort };

export interface ClusterReply {
  replica_id: string;
  url: string;
  role: string;
  ready: boolean;
  reason: string | null;
  leader: { replica_id: string | null; url: string | null; since: string | null; generation: number };
  replicas: { replica_id: string; url: string; role: string; live: boolean; heartbeat_at: string }[];
}

/** GET /api/cluster of one replica; null when it does not answer. */
export async function clusterOf(url: string): Promise<{ status: number; body: ClusterReply } | null> {
  try {
    const res = await fetch(`${url}/api/cluster`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.json()) as ClusterReply };
  } catch {
    return null;
  }
}

/** Registers a kernel through `url`; the reply's status and body (a follower forwards it). */
export async function register(
  url: string,
  kernel: string,
  name: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/rest/kernels`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ kernel_id: kernel, kernel_name: name }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `probe` every 100 ms until it gives a value other than null; throws after `timeoutMs`. */
export function until<T>(probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  return eventually(probe, (value) => value !== null, "condition", { timeoutMs }) as Promise<T>;
}

/** Writes the replicas' config file: a short lease and a fast healing loop, so a run stays short. */
export function writeHaConfig(dir: string, leaseSeconds: number): string {
  const file = join(dir, "ha.json");
  writeFileSync(
    file,
    JSON.stringify({
      ha: { leaseSeconds },
      healing: { loopIntervalSeconds: 1 },
      scheduler: { tickSeconds: 1 },
    }),
  );
  return file;
}

/**
 * What a test file of replicas needs: a fresh database and a config file with this lease,
 * made before its tests; after them every replica it started is killed and both are removed.
 * @example const bed = haTestBed("ha-reads", 3); … startReplica(bed.db.url, bed.config)
 */
export function haTestBed(
  name: string,
  leaseSeconds: number,
): { readonly db: TestDatabase; readonly config: string } {
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  let config: string | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), `autonomic-${name}-`));
    config = writeHaConfig(dir, leaseSeconds);
  });
  afterAll(async () => {
    await stopAllServers();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get db() {
      return db as TestDatabase;
    },
    get config() {
      return config as string;
    },
  };
}

/** A replica on `port` (0: any free one), so a restarted replica can come back where it was. */
export function startReplica(db: string, configFile: string, port = 0): Promise<ServerProcess> {
  return startServerProcess({ db, args: ["--config", configFile, "--port", String(port)] });
}

/**
 * Polls the replicas until one of them leads at a generation above `after`, answers as ready,
 * and every one asked agrees; resolves with that leader's reply.
 */
export async function waitForLeader(
  urls: string[],
  after: number,
  timeoutMs = 30_000,
): Promise<ClusterReply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const replies = (await Promise.all(urls.map(clusterOf))).filter((r) => r !== null);
    const leader = replies.find((r) => r.body.role === "leader" && r.status === 200);
    if (
      leader &&
      leader.body.leader.generation > after &&
      replies.every((r) => r.body.leader.url === leader.body.url)
    )
      return leader.body;
    if (Date.now() > deadline)
      throw new Error(`no leader above generation ${after}: ${JSON.stringify(replies)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One query on the shared database, on a connection of its own. */
export async function queryDatabase<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A TCP proxy in front of PostgreSQL that a test can cut (every connection dropped) and restore. */
export interface DatabaseProxy {
  /** The database URL through the proxy. */
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function databaseProxy(databaseUrl: string): Promise<DatabaseProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      const listening = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {});
        }
        client.pipe(upstream).pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      server = listening;
      listening.listen(port, "127.0.0.1", () => {
        port = (listening.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const cut = async () => {
    const s = server as net.Server | null;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  const url = new URL(databaseUrl);
  url.port = String(port);
  return { url: url.toString(), cut, restore: listen, close: cut };
}

/** A TCP port free right now on loopback, for a replica that must come back on the same one. */
/** Debian's HAProxy running deploy/haproxy/haproxy.cfg in front of `replicaPorts`. */
export async function startHaproxy(replicaPorts: number[]): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, AUTONOMIC_LB_BIND: `127.0.0.1:${port}` };
  replicaPorts.forEach((p, i) => {
    env[`AUTONOMIC_REPLICA_${i + 1}`] = `127.0.0.1:${p}`;
  });
  // Debian puts it in /usr/sbin, which is not on every user's PATH.
  const bin = existsSync("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";
  const child = spawn(bin, ["-db", "-f", join(REPO_ROOT, "deploy/haproxy/haproxy.cfg")], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const reply = await clusterOf(url);
    if (reply?.status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`haproxy did not come up: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
