/**
 * Plumbing shared by the HTTP benchmarks: a keep-alive POST, percentiles, and running a
 * benchmark against a real server on SQLite, then on a fresh PostgreSQL database.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase } from "../test/support/postgres.js";
import { stopAllServers } from "../test/support/server-process.js";

/** POSTs a JSON body (an object, or bytes already serialised) and resolves with the status code. */
export function post(agent: http.Agent, url: URL, path: string, body: unknown): Promise<number> {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": payload.length },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

export function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const round = (n: number, digits: number) => Number(n.toFixed(digits));

export type Backend = "sqlite" | "postgres";

/**
 * Runs `bench(backend, location, configFile)` on a SQLite file, then on a fresh PostgreSQL
 * database (printing an error line for `name` if PostgreSQL is unreachable), and cleans up.
 * `backends` picks either or both.
 * The config raises the rate limit so the limiter stays out of the measurement; the log
 * level stays info, as in production.
 */
export async function onEachBackend(
  name: string,
  bench: (backend: Backend, location: string, configFile: string) => Promise<void>,
  backends: readonly Backend[] = ["sqlite", "postgres"],
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `autonomic-${name}-`));
  try {
    const config = join(dir, "bench.yaml");
    writeFileSync(config, "server:\n  rateLimitPerMinute: 100000000\n");
    if (backends.includes("sqlite")) await bench("sqlite", join(dir, "bench.db"), config);
    if (!backends.includes("postgres")) return;
    let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
    try {
      database = await createTestDatabase();
      await bench("postgres", database.url, config);
    } catch (error) {
      process.stdout.write(
        `${JSON.stringify({ bench: name, backend: "postgres", error: (error as Error).message })}\n`,
      );
    } finally {
      await database?.drop();
    }
  } finally {
    await stopAllServers();
    rmSync(dir, { recursive: true, force: true });
  }
}
