/**
 * The hostile kernel of the access review (issue 14), replayed over HTTP against the real
 * server: ids that would forge commit trailers or reach Object.prototype, context nested
 * thousands deep, oversized batches and made-up kernels without end. Each is a 4xx that
 * stores nothing, and the server keeps answering reads of the kernels it holds.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 60_000;
const MAX_KERNELS = 40;
const stores = storeLocations("autonomic-input-bounds-");
let server: ServerProcess;

// biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const snapshot = (kernel_id: string, extra: Record<string, unknown> = {}) => ({
  kernel_id,
  phi: 0.7,
  kappa_eff: 64,
  basin_coords: [1, 2, 3, 4],
  ...extra,
});

async function storedCount(kernelId?: string): Promise<number> {
  const q = kernelId ? `?kernel_id=${encodeURIComponent(kernelId)}&limit=1000` : "?limit=1000";
  const reply = await call("GET", `/api/self-healing/snapshots${q}`);
  expect(reply.status).toBe(200);
  return reply.body.snapshots.length;
}

beforeAll(async () => {
  const config = join(stores.dir, "bounds.yaml");
  writeFileSync(config, `monitor:\n  maxKernels: ${MAX_KERNELS}\n`);
  server = await startServerProcess({ db: await stores.fresh("sqlite"), args: ["--config", config] });
}, SLOW);

afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

describe("a hostile kernel against the snapshot routes", () => {
  it("refuses a kernel_id carrying a newline and a forged trailer, or Slack markup, storing nothing", async () => {
    const before = await storedCount();
    for (const id of [
      "apollo_1\nSigned-off-by: mallory <m@evil>",
      "<!channel> apollo",
      "apollo_1\r\nAutonomic-Patch: x",
    ]) {
      const one = await call("POST", "/api/self-healing/snapshot", snapshot(id));
      expect([one.status, one.body.error]).toEqual([
        400,
        "kernel_id: must be 1–128 characters: a letter or digit, then letters, digits and _ . : -",
      ]);
    }
    expect(await storedCount()).toBe(before);
  });

  it("gives every kernel of a batch its directive, even ids named like Object.prototype's members, and refuses __proto__", async () => {
    const ids = ["constructor", "toString", "hasOwnProperty", "valueOf"];
    const reply = await call("POST", "/api/self-healing/snapshots", {
      snapshots: ids.map((id) => snapshot(id)),
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(Object.keys(reply.body.directives).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(reply.body.directives[id].rest.status).toBe("unregistered");
    const proto = await call(
      "POST",
      "/api/self-healing/snapshots",
      `{"snapshots":[${JSON.stringify(snapshot("ok_1"))},{"kernel_id":"__proto__","phi":0.7,"kappa_eff":64}]}`,
    );
    expect([proto.status, proto.body.error?.split(":")[0]]).toEqual([400, "snapshots[1].kernel_id"]);
    expect(await storedCount("ok_1")).toBe(0);
  });

  it(
    "refuses a context nested 5,000 deep with a 400 naming it, and still reads that kernel's snapshots",
    async () => {
      expect(
        (await call("POST", "/api/self-healing/snapshot", snapshot("deep_1", { context: { a: 1 } }))).status,
      ).toBe(200);
      for (const levels of [33, 4109, 5000]) {
        const deep = `${'{"d":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;
        const reply = await call(
          "POST",
          "/api/self-healing/snapshot",
          `{"kernel_id":"deep_1","phi":0.7,"kappa_eff":64,"context":${deep}}`,
        );
        expect([reply.status, reply.body.error]).toEqual([400, "context: nests deeper than 32 levels"]);
      }
      expect(await storedCount("deep_1")).toBe(1);
    },
    SLOW,
  );

  it("refuses a batch of 10,001 snapshots whole, naming the bound, before validating an item", async () => {
    const before = await storedCount("batch_1");
    const item = snapshot("batch_1");
    const over = await call("POST", "/api/self-healing/snapshots", { snapshots: Array(10_001).fill(item) });
    expect([over.status, over.body.error]).toEqual([
      400,
      "snapshots: holds 10001 snapshots; at most 10000 are accepted",
    ]);
    expect(await storedCount("batch_1")).toBe(before);
  });

  it(
    `monitors at most monitor.maxKernels (${MAX_KERNELS}) kernels: one more is a 409 naming the key, and the rest still report`,
    async () => {
      const held = (await call("GET", "/api/self-healing/health")).body.health.kernel_count as number;
      for (let i = held; i < MAX_KERNELS; i++)
        expect((await call("POST", "/api/self-healing/snapshot", snapshot(`made_up_${i}`))).status).toBe(200);
      const refused = await call("POST", "/api/self-healing/snapshot", snapshot("made_up_extra"));
      expect([refused.status, refused.body.code]).toEqual([409, "monitor_full"]);
      expect(refused.body.error).toContain("monitor.maxKernels");
      expect(await storedCount("made_up_extra")).toBe(0);
      // A kernel it already holds is not refused.
      expect((await call("POST", "/api/self-healing/snapshot", snapshot("deep_1"))).status).toBe(200);
    },
    SLOW,
  );
});
