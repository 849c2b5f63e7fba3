/**
 * Preloaded into a server process under test (`--import` this file) to measure its memory
 * honestly from outside: on SIGUSR2 it collects garbage (twice, so what weak references kept
 * goes too) and writes one JSON line to stdout, beside the server's log lines:
 * `{"msg":"memory","rss":…,"heap_used":…,"external":…,"array_buffers":…}` in bytes.
 * Nothing of the server changes; without the signal it does nothing.
 *
 * @example
 * const server = await startServerProcess({ db, env: { NODE_OPTIONS: `--import=${MEMORY_PROBE}` } });
 * const before = await memoryOf(server); // see test/e2e/event-stream-limits.e2e.test.ts
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

process.on("SIGUSR2", () => {
  gc();
  gc();
  const m = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({ msg: "memory", rss: m.rss, heap_used: m.heapUsed, external: m.external, array_buffers: m.arrayBuffers })}\n`,
  );
});
