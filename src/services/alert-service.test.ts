/**
 * The alert service against a real HTTP receiver on loopback: what is POSTed, what is stored
 * after each attempt, retries with their requested waits (sleep is injected, so no test
 * waits for a backoff), de-duplication on a manual clock, and redelivery after a restart.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "../../test/support/webhook-receiver.js";
import { ManualClock } from "../core/clock.js";
import { ConfigError, StoreUnavailableError } from "../core/errors.js";
import type { StoredAlert } from "../store/healing-store-types.js";
import { type AlertConfig, type AlertEvent, AlertService, type AlertStore } from "./alert-service.js";

const T0 = Date.UTC(2026, 10, 22);

/** Alerts by id, plus every version ever saved, to see that each attempt was stored. */
class MemoryAlertStore implements AlertStore {
  readonly alerts = new Map<string, StoredAlert>();
  readonly saves: StoredAlert[] = [];
  failSaves = false;

  async saveAlert(a: StoredAlert): Promise<void> {
    if (this.failSaves) throw new Error("disk full");
    this.saves.push({ ...a });
    this.alerts.set(a.alert_id, { ...a });
  }

  async findAlertByDedupeKey(key: string): Promise<StoredAlert | null> {
    return this.newestFirst().find((a) => a.dedupe_key === key) ?? null;
  }

  async listAlerts(q: { limit?: number; pendingDelivery?: boolean } = {}): Promise<StoredAlert[]> {
    const all = this.newestFirst().filter((a) => !q.pendingDelivery || a.delivery_status === "pending");
    return all.slice(0, q.limit ?? all.length);
  }

  savesOf(alertId: string): StoredAlert[] {
    return this.saves.filter((a) => a.alert_id === alertId);
  }

  private newestFirst(): StoredAlert[] {
    return [...this.alerts.values()].sort((a, b) => b.created_at - a.created_at);
  }
}

let receiver: WebhookReceiver;
beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await receiver.close();
});

interface Setup {
  config?: Partial<AlertConfig>;
  store?: MemoryAlertStore;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  logLines?: Record<string, unknown>[];
}

function openService(setup: Setup = {}) {
  const store = setup.store ?? new MemoryAlertStore();
  const clock = new ManualClock(T0);
  const delays: number[] = [];
  const lines = setup.logLines ?? [];
  const logger = pino(
    { level: "debug" },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  );
  let n = 0;
  const alerts = new AlertService({
    store,
    clock,
    logger,
    config: { webhookUrl: receiver.url, ...setup.config },
    newId: () => `alert_${++n}`,
    sleep:
      setup.sleep ??
      (async (ms) => {
        delays.push(ms);
      }),
    ...(setup.fetch ? { fetch: setup.fetch } : {}),
  });
  const events: AlertEvent[] = [];
  alerts.events.subscribe((e) => events.push(e));
  return { alerts, store, clock, delays, events };
}

const phiCollapse = {
  kind: "phi_collapse",
  kernel_id: "apollo_1",
  severity: "critical" as const,
  text: "Φ collapsed on apollo_1 & no strategy healed it",
};

describe("alert service", () => {
  it("POSTs the alert once as exactly {text} in JSON and stores it as delivered", async () => {
    const { alerts, store, events } = openService();
    const { alert, deduplicated } = await alerts.raise(phiCollapse);
    await alerts.drain();

    expect(deduplicated).toBe(false);
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/services/T000/B000/secret");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request.body)).toEqual({ text: phiCollapse.text });
    expect(store.alerts.get(alert.alert_id)).toMatchObject({
      dedupe_key: "phi_collapse:apollo_1",
      delivery_status: "delivered",
      delivery_attempts: 1,
      delivered_at: T0,
      last_error: null,
    });
    expect(events.map((e) => e.type)).toEqual(["alert_raised", "alert_delivered"]);
  });

  it("logs a critical alert as one error line with its kernel_id, kind and text", async () => {
    const lines: Record<string, unknown>[] = [];
    const { alerts } = openService({ logLines: lines });
    await alerts.raise(phiCollapse);
    await alerts.drain();

    const raised = lines.filter((l) => l.msg === "alert_raised");
    expect(raised).toEqual([
      expect.objectContaining({
        level: 50,
        kernel_id: "apollo_1",
        kind: "phi_collapse",
        text: phiCollapse.text,
      }),
    ]);
  });

  it("counts a repeat within the dedupe window without sending it again", async () => {
    const { alerts, store, clock, events } = openService();
    const first = await alerts.raise(phiCollapse);
    await alerts.drain();
    clock.advanceSeconds(1800);
    const second = await alerts.raise({ ...phiCollapse, text: "Φ still collapsed" });
    await alerts.drain();

    expect(second.deduplicated).toBe(true);
    expect(second.alert.alert_id).toBe(first.alert.alert_id);
    expect(receiver.requests).toHaveLength(1);
    expect(store.alerts.size).toBe(1);
    expect(store.alerts.get(first.alert.alert_id)).toMatchObject({
      occurrences: 2,
      last_seen_at: T0 + 1_800_000,
      created_at: T0,
      delivery_status: "delivered",
    });
    expect(events.filter((e) => e.type === "alert_raised")).toHaveLength(1);
  });

  it("sends the alert again once the dedupe window since it was raised has passed", async () => {
    const { alerts, store, clock } = openService({ config: { dedupeWindowSeconds: 600 } });
    await alerts.raise(phiCollapse);
    clock.advanceSeconds(599);
    await alerts.raise(phiCollapse);
    clock.advanceSeconds(1);
    const later = await alerts.raise({ ...phiCollapse, text: "Φ collapsed again" });
    await alerts.drain();

    expect(later.deduplicated).toBe(false);
    expect(receiver.requests.map((r) => JSON.parse(r.body).text)).toEqual([
      phiCollapse.text,
      "Φ collapsed again",
    ]);
    expect(store.alerts.size).toBe(2);
  });

  it("keeps alerts with different kernels or explicit keys apart", async () => {
    const { alerts } = openService();
    await alerts.raise(phiCollapse);
    const other = await alerts.raise({ ...phiCollapse, kernel_id: "athena_2" });
    const global = await alerts.raise({ ...phiCollapse, kernel_id: null });
    const keyed = await alerts.raise({ ...phiCollapse, dedupe_key: "phi_collapse:apollo_1:basin" });
    await alerts.drain();

    expect([other, global, keyed].map((r) => r.deduplicated)).toEqual([false, false, false]);
    expect(global.alert.dedupe_key).toBe("phi_collapse:*");
    expect(receiver.requests).toHaveLength(4);
  });

  it("retries 5xx replies with exponential backoff and counts every attempt", async () => {
    receiver.script({ status: 500 }, { status: 502 }, { status: 503 });
    const { alerts, store, delays } = openService();
    const { alert } = await alerts.raise(phiCollapse);
    await alerts.drain();

    expect(receiver.requests).toHaveLength(4);
    expect(delays).toEqual([500, 1000, 2000]);
    expect(store.alerts.get(alert.alert_id)).toMatchObject({
      delivery_status: "delivered",
      delivery_attempts: 4,
      last_error: null,
    });
    // Each failed attempt was stored as it happened.
    expect(store.savesOf(alert.alert_id).map((a) => [a.delivery_attempts, a.last_error])).toEqual([
      [0, null],
      [1, "HTTP 500"],
      [2, "HTTP 502"],
      [3, "HTTP 503"],
      [4, null],
    ]);
  });

  it("gives up after maxAttempts with the backoff capped, storing the last error and publishing it", async () => {
    receiver.script(...Array.from({ length: 6 }, () => ({ status: 503, body: "upstream down" })));
    const { alerts, store, delays, events } = openService({
      config: { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 1500 },
    });
    const { alert } = await alerts.raise(phiCollapse);
    await alerts.drain();

    expect(receiver.requests).toHaveLength(5);
    expect(delays).toEqual([500, 1000, 1500, 1500]);
    expect(store.alerts.get(alert.alert_id)).toMatchObject({
      delivery_status: "failed",
      delivery_attempts: 5,
      last_error: "HTTP 503: upstream down",
      delivered_at: null,
    });
    expect(events.at(-1)).toMatchObject({
      type: "alert_delivery_failed",
      alert_id: alert.alert_id,
      kernel_id: "apollo_1",
      attempts: 5,
      error: "HTTP 503: upstream down",
    });
  });

  it("waits as long as a 429's Retry-After asks before trying again", async () => {
    receiver.script({ status: 429, headers: { "retry-after": "7" } });
    const { alerts, store, delays } = openService();
    const { alert } = await alerts.raise(phiCollapse);
    await alerts.drain();

    expect(delays).toEqual([7000]);
    expect(receiver.requests).toHaveLength(2);
    expect(store.alerts.get(alert.alert_id)?.delivery_status).toBe("delivered");
  });

  it("fails at once on a 4xx other than 429, without retrying", async () => {
    receiver.script({ status: 400, body: "invalid_payload" });
    const { alerts, store, delays, events } = openService();
    const { alert } = await alerts.raise(phiCollapse);
    await alerts.drain();

    expect(receiver.requests).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(store.alerts.get(alert.alert_id)).toMatchObject({
      delivery_status: "failed",
      delivery_attempts: 1,
      last_error: "HTTP 400: invalid_payload",
    });
    expect(events.map((e) => e.type)).toEqual(["alert_raised", "alert_delivery_failed"]);
  });

  it("counts a request that times out as a failed attempt and tries again", async () => {
    receiver.script("hang");
    const { alerts, store, delays } = openService({ config: { requestTimeoutMs: 100 } });
    const { alert } = await alerts.raise(phiCollapse);
    await alerts.drain();

    expect(receiver.requests).toHaveLength(2);
    expect(delays).toEqual([500]);
    expect(store.savesOf(alert.alert_id)[1]).toMatchObject({
      delivery_status: "pending",
      delivery_attempts: 1,
      last_error: "timed out after 100 ms",
    });
    expect(store.alerts.get(alert.alert_id)).toMatchObject({
      delivery_status: "delivered",
      delivery_attempts: 2,
    });
  });

  it("retries when nothing listens at the webhook, naming the network error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { alerts, store, delays } = openService({
      config: { webhookUrl: `http://127.0.0.1:${port}/hook`, maxAttempts: 2 },
    });
    const { alert } = await alerts.raise(phiCollapse);
    await alerts.drain();

    expect(delays).toEqual([500]);
    expect(store.alerts.get(alert.alert_id)).toMatchObject({
      delivery_status: "failed",
      delivery_attempts: 2,
    });
    expect(store.alerts.get(alert.alert_id)?.last_error).toContain("ECONNREFUSED");
  });

  it("stores and logs an alert as not_configured and sends nothing when no webhook is set", async () => {
    const calls: unknown[] = [];
    const countingFetch = (async (...args: unknown[]) => {
      calls.push(args);
      return new Response("ok");
    }) as typeof fetch;
    const { alerts, store, events } = openService({ config: { webhookUrl: null }, fetch: countingFetch });
    const { alert } = await alerts.raise(phiCollapse);
    await alerts.drain();

    expect(calls).toEqual([]);
    expect(receiver.requests).toEqual([]);
    expect(store.alerts.get(alert.alert_id)).toMatchObject({
      delivery_status: "not_configured",
      delivery_attempts: 0,
    });
    expect(events).toEqual([
      expect.objectContaining({ type: "alert_raised", delivery_status: "not_configured" }),
    ]);
  });

  it("redelivers what a restart left pending, oldest first, and leaves the rest alone", async () => {
    const store = new MemoryAlertStore();
    const base = { ...phiCollapse, occurrences: 1, last_error: null, delivered_at: null } as const;
    const stored = (id: string, at: number, status: StoredAlert["delivery_status"], attempts: number) =>
      store.saveAlert({
        ...base,
        alert_id: id,
        dedupe_key: `k:${id}`,
        text: `alert ${id}`,
        created_at: at,
        last_seen_at: at,
        delivery_status: status,
        delivery_attempts: attempts,
      });
    await stored("old_pending", T0 - 2000, "pending", 2);
    await stored("new_pending", T0 - 1000, "pending", 0);
    await stored("done", T0 - 3000, "delivered", 1);
    await stored("gave_up", T0 - 4000, "failed", 5);
    const { alerts } = openService({ store });

    expect(await alerts.redeliverPending()).toBe(2);
    await alerts.drain();

    expect(receiver.requests.map((r) => JSON.parse(r.body).text)).toEqual([
      "alert old_pending",
      "alert new_pending",
    ]);
    expect(store.alerts.get("old_pending")).toMatchObject({
      delivery_status: "delivered",
      delivery_attempts: 3,
    });
    expect(store.alerts.get("new_pending")).toMatchObject({
      delivery_status: "delivered",
      delivery_attempts: 1,
    });
    expect(await alerts.redeliverPending()).toBe(0);
  });

  it("marks pending alerts not_configured when redelivering without a webhook", async () => {
    const store = new MemoryAlertStore();
    const { alerts: before } = openService({ store, config: { requestTimeoutMs: 100 } });
    receiver.script("hang");
    await before.raise(phiCollapse);
    await receiver.waitForRequests(1);
    await before.close();
    const { alerts: after } = openService({ store, config: { webhookUrl: null } });

    expect(await after.redeliverPending()).toBe(0);
    expect(store.alerts.get("alert_1")?.delivery_status).toBe("not_configured");
  });

  it("keeps a repeat raised during delivery and the delivery's outcome both", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let waiting: () => void = () => {};
    const backingOff = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    receiver.script({ status: 500 });
    const { alerts, store } = openService({
      sleep: () => {
        waiting();
        return gate;
      },
    });
    const { alert } = await alerts.raise(phiCollapse);
    await backingOff;
    await alerts.raise(phiCollapse);
    release();
    await alerts.drain();

    expect(store.alerts.get(alert.alert_id)).toMatchObject({
      occurrences: 2,
      delivery_status: "delivered",
      delivery_attempts: 2,
    });
  });

  it("stops retrying on close and leaves the alert pending for the next start", async () => {
    receiver.script({ status: 500 });
    let waiting: () => void = () => {};
    const backingOff = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const { alerts, store } = openService({
      // A backoff that would never end on its own: only close can cut it short.
      sleep: () => {
        waiting();
        return new Promise(() => {});
      },
    });
    const { alert } = await alerts.raise(phiCollapse);
    await backingOff;
    await alerts.close();

    expect(receiver.requests).toHaveLength(1);
    expect(store.alerts.get(alert.alert_id)).toMatchObject({
      delivery_status: "pending",
      delivery_attempts: 1,
    });
    await alerts.raise({ ...phiCollapse, kernel_id: "athena_2" });
    await alerts.drain();
    expect(receiver.requests).toHaveLength(1);
  });

  it("refuses an alert it cannot store, publishing nothing", async () => {
    const store = new MemoryAlertStore();
    store.failSaves = true;
    const { alerts, events } = openService({ store });

    await expect(alerts.raise(phiCollapse)).rejects.toBeInstanceOf(StoreUnavailableError);
    await alerts.drain();
    expect(events).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });

  it("refuses a webhook URL that is not http(s) at construction", () => {
    expect(() => openService({ config: { webhookUrl: "hooks.slack.com/services/x" } })).toThrow(ConfigError);
  });
});
