/**
 * A real Prometheus server as a child process: started on a free loopback port with its
 * own temporary TSDB, ready once /-/ready answers, queried through its HTTP API, and
 * stopped and removed afterwards.
 *
 * @example
 * const prom = await startPrometheus({ binary: requireTool("prometheus"), config: yamlText });
 * const result = await prom.query('geometric_health_phi{kernel="apollo_1"}');
 * await prom.stop();
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** One series of an instant query: its labels and its [time, "value"] pair. */
export interface InstantSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An alert as /api/v1/alerts lists it. */
export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
  value: string;
}

export interface PrometheusProcess {
  url: string;
  query(expr: string): Promise<InstantSample[]>;
  alerts(): Promise<PrometheusAlert[]>;
  /** Everything it logged (it logs to stderr), for failure messages. */
  logs(): string;
  /** SIGTERM (SIGKILL if it lingers), then removes its config and TSDB. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** A port free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPrometheus(options: {
  binary: string;
  config: string;
}): Promise<PrometheusProcess> {
  const dir = mkdtempSync(join(tmpdir(), "autonomic-prometheus-"));
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, options.config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    options.binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  live.add(child);
  let output = "";
  const collect = (chunk: string) => {
    output += chunk;
  };
  child.stdout?.setEncoding("utf8").on("data", collect);
  child.stderr?.setEncoding("utf8").on("data", collect);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("close", () => {
      exited = true;
      live.delete(child);
      resolve();
    });
    child.once("error", (error) => {
      output += `spawn failed: ${error.message}\n`;
    });
  });

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`prometheus exited before it was ready:\n${output}`);
    }
    if (await answersReady(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`GET ${path}: ${body.error ?? response.status}`);
    return body.data;
  };

  return {
    url,
    query: async (expr) =>
      (await api<{ result: InstantSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>("/api/v1/alerts")).alerts,
    logs: () => output,
    stop,
  };
}

async function answersReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/-/ready`)).ok;
  } catch {
    return false;
  }
}
