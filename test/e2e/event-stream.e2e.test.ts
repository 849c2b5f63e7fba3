/**
 * GET /api/events carries every service's committed events, not only the rest
 * scheduler's: an explicit health baseline, a dispatched action and a phase change arrive
 * in order.
 */
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { startServer } from "../../src/server/serve.js";
import { storeLocations } from "../support/store-locations.js";

const stores = storeLocations("autonomic-events-e2e-");
afterAll(() => stores.cleanup());

describe("the event stream", () => {
  it("streams health, action and healing events as they commit", async () => {
    const config = buildConfig({
      server: { port: 0, logLevel: "silent" },
      store: { location: await stores.fresh("sqlite") },
    });
    const server = await startServer(config, { logger: pino({ level: "silent" }) });
    const controller = new AbortController();
    try {
      const response = await fetch(`${server.url}/api/events`, { signal: controller.signal });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const post = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      await post("/api/self-healing/snapshot", {
        kernel_id: "apollo_1",
        phi: 0.8,
        kappa_eff: 64,
        basin_coords: [1, 1, 1, 1],
      });
      await post("/api/self-healing/baseline", { kernel_id: "apollo_1", basin_coords: [1, 2, 1, 1] });
      await server.actions.dispatch({
        kernel_id: "apollo_1",
        type: "enable_cache",
        params: { entries: 10 },
        dry_run: true,
      });
      await post("/api/self-healing/phase/advance", { force: true, reason: "testing the stream" });

      let text = "";
      const decoder = new TextDecoder();
      while (!text.includes("event: phase_changed")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      const types = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
      expect(types).toEqual(["baseline_set", "action_dispatched", "phase_changed"]);
      const phase = JSON.parse(/event: phase_changed\ndata: (.*)\n/.exec(text)?.[1] ?? "{}");
      expect(phase).toMatchObject({ from: 1, to: 2, forced: true, reason: "testing the stream" });
      expect(phase.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    } finally {
      controller.abort();
      await server.close();
    }
  });
});
