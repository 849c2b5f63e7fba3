/**
 * Alerts for what healing cannot fix: stored, written to the log, and POSTed as
 * `{"text": …}` to a Slack-compatible webhook in the background, with retries and
 * de-duplication. Writes are serialised and each commits before its event is published;
 * delivery happens outside the lock, so a slow webhook never holds up the healing loop.
 *
 * @example
 * const alerts = new AlertService({ store, clock, logger, config: { webhookUrl: "https://hooks.slack.com/services/T/B/X" } });
 * await alerts.redeliverPending(); // at start: what a restart left undelivered
 * const { alert, deduplicated } = await alerts.raise({ kind: "phi_collapse", kernel_id: "apollo_1", severity: "critical", text: "Φ collapsed on apollo_1; no strategy healed it" });
 * await alerts.close(); // at shutdown: stop retrying, leave the rest pending for the next start
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleepMs } from "node:timers/promises";
import { Mutex } from "async-mutex";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import { ConfigError, InvalidInputError, StoreUnavailableError } from "../core/errors.js";
import type { StoredAlert } from "../store/healing-store-types.js";
import { EventBus } from "./event-bus.js";
import { postAlertText, retryDelayMs } from "./webhook-delivery.js";

/**
 * The part of the store alerts need. `findAlertByDedupeKey` answers the newest alert with
 * that key; `pendingDelivery: true` lists those whose delivery_status is "pending".
 * @example await store.listAlerts({ limit: 50 }); // newest first
 */
export type AlertStore = {
  saveAlert(a: StoredAlert): Promise<void>;
  findAlertByDedupeKey(key: string): Promise<StoredAlert | null>;
  listAlerts(q?: { limit?: number; pendingDelivery?: boolean }): Promise<StoredAlert[]>;
};

/**
 * Where alerts go and how hard delivery tries; every number but the URL has a default.
 * @example { webhookUrl: null } // alerts are stored and logged only
 */
export interface AlertConfig {
  /** Slack-compatible incoming webhook; null stores and logs alerts without sending them. */
  webhookUrl: string | null;
  /** A second alert with the same dedupe key within this long of the first is not sent again. */
  dedupeWindowSeconds?: number;
  /** Attempts per delivery round (a restart starts a new round). */
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
}

export const ALERT_DEFAULTS = {
  dedupeWindowSeconds: 3600,
  maxAttempts: 5,
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  requestTimeoutMs: 5000,
} as const;

/**
 * What to alert about. Without `dedupe_key`, alerts of one kind on one kernel
 * (`${kind}:${kernel_id ?? "*"}`) are the same alert.
 * @example { kind: "drift_unhealed", kernel_id: "athena_2", severity: "warning", text: "basin drift on athena_2 persists" }
 */
export interface RaiseAlertInput {
  kind: string;
  kernel_id: string | null;
  severity: StoredAlert["severity"];
  text: string;
  dedupe_key?: string;
}

interface AlertEventBase {
  at: number;
  alert_id: string;
  kernel_id: string | null;
  kind: string;
  severity: StoredAlert["severity"];
}

/** A committed step of an alert, for metrics and the event stream. */
export type AlertEvent =
  | (AlertEventBase & { type: "alert_raised"; text: string; delivery_status: StoredAlert["delivery_status"] })
  | (AlertEventBase & { type: "alert_delivered"; attempts: number })
  | (AlertEventBase & { type: "alert_delivery_failed"; attempts: number; error: string });

/**
 * What the service runs on; fetch, ids and sleep are injectable so tests neither wait nor guess.
 * @example { store, clock: new ManualClock(0), logger, config: { webhookUrl }, sleep: async (ms) => void delays.push(ms) }
 */
export interface AlertServiceOptions {
  store: AlertStore;
  clock: Clock;
  logger: Logger;
  config: AlertConfig;
  fetch?: typeof fetch;
  newId?: () => string;
  sleep?: (ms: number) => Promise<void>;
}

/** The most a store lists at once; without it a store's default page (100) would leave older pending alerts unsent. */
const REDELIVER_MAX = 10_000;

export const randomAlertId = (): string => `alert_${randomUUID()}`;

export class AlertService {
  readonly events = new EventBus<AlertEvent>();
  private readonly mutex = new Mutex();
  private readonly config: Required<AlertConfig>;
  /** The latest committed version of each alert being delivered, so a dedupe bump and a delivery attempt never overwrite each other. */
  private readonly delivering = new Map<string, StoredAlert>();
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;
  private wakeSleepers: () => void = () => {};
  private readonly closed = new Promise<void>((resolve) => {
    this.wakeSleepers = resolve;
  });

  constructor(private readonly options: AlertServiceOptions) {
    // A key present but undefined (a config layer that maps every key) still gets its default.
    const given = Object.fromEntries(Object.entries(options.config).filter(([, v]) => v !== undefined));
    this.config = { ...ALERT_DEFAULTS, ...given } as Required<AlertConfig>;
    const url = this.config.webhookUrl;
    // A malformed URL fails every attempt the same way; say so at start-up, not after retries.
    if (url !== null && !isHttpUrl(url)) throw new ConfigError("alerts.webhookUrl", "must be an http(s) URL");
  }

  /**
   * Stores and logs a new alert and starts sending it, or — when the same alert was raised
   * within the dedupe window — only counts the repeat. The window runs from the alert's
   * creation, not its last sighting, so a condition that never clears is re-sent once a window.
   */
  async raise(input: RaiseAlertInput): Promise<{ alert: StoredAlert; deduplicated: boolean }> {
    if (input.kind.trim() === "") throw new InvalidInputError("kind", "must not be empty");
    if (input.text.trim() === "") throw new InvalidInputError("text", "must not be empty");
    if (input.severity !== "warning" && input.severity !== "critical")
      throw new InvalidInputError("severity", "must be warning or critical");
    const dedupeKey = input.dedupe_key ?? `${input.kind}:${input.kernel_id ?? "*"}`;
    return this.mutex.runExclusive(async () => {
      const now = this.options.clock.now();
      const previous = await this.withStore(
        () => this.options.store.findAlertByDedupeKey(dedupeKey),
        dedupeKey,
      );
      if (previous !== null && now - previous.created_at < this.config.dedupeWindowSeconds * 1000) {
        const repeated = { ...previous, occurrences: previous.occurrences + 1, last_seen_at: now };
        await this.save(repeated);
        // A delivery in progress writes its next attempt onto this version, keeping the count.
        if (this.delivering.has(repeated.alert_id)) this.delivering.set(repeated.alert_id, repeated);
        this.options.logger.debug(logFields(repeated), "alert_deduplicated");
        return { alert: repeated, deduplicated: true };
      }
      const alert: StoredAlert = {
        alert_id: this.options.newId?.() ?? randomAlertId(),
        dedupe_key: dedupeKey,
        kind: input.kind,
        kernel_id: input.kernel_id,
        severity: input.severity,
        text: input.text,
        created_at: now,
        last_seen_at: now,
        occurrences: 1,
        delivery_status: this.config.webhookUrl === null ? "not_configured" : "pending",
        delivery_attempts: 0,
        last_error: null,
        delivered_at: null,
      };
      await this.save(alert);
      const level = alert.severity === "critical" ? "error" : "warn";
      this.options.logger[level]({ ...logFields(alert), text: alert.text }, "alert_raised");
      this.events.publish({
        ...eventBase(alert, now),
        type: "alert_raised",
        text: alert.text,
        delivery_status: alert.delivery_status,
      });
      if (alert.delivery_status === "pending") this.startDelivery(alert);
      return { alert, deduplicated: false };
    });
  }

  /**
   * Sends again, oldest first, the alerts the store still has pending and nobody is sending
   * (those a restart interrupted); with no webhook configured they become not_configured.
   * Resolves with how many deliveries it started, without waiting for them.
   */
  async redeliverPending(): Promise<number> {
    // Under the lock, a stored "pending" is either being delivered here or by nobody.
    return this.mutex.runExclusive(async () => {
      const pending = await this.withStore(
        () => this.options.store.listAlerts({ pendingDelivery: true, limit: REDELIVER_MAX }),
        null,
      );
      let started = 0;
      for (const alert of [...pending].sort((a, b) => a.created_at - b.created_at)) {
        if (this.delivering.has(alert.alert_id)) continue;
        if (this.config.webhookUrl === null) await this.save({ ...alert, delivery_status: "not_configured" });
        else if (this.startDelivery(alert)) started++;
      }
      if (pending.length > 0)
        this.options.logger.info({ pending: pending.length, started }, "alerts redelivered");
      return started;
    });
  }

  /** Stored alerts, newest first. */
  list(limit?: number): Promise<StoredAlert[]> {
    return this.options.store.listAlerts(limit === undefined ? {} : { limit });
  }

  /** Resolves once every delivery in progress, including any started meanwhile, has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.mutex.waitForUnlock();
  }

  /**
   * For shutdown: cuts short any wait between attempts, starts no new attempt, and resolves
   * once in-flight requests end. Alerts not yet delivered stay pending for redeliverPending.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeSleepers();
    await this.drain();
  }

  /** Tracks the delivery for drain; returns false once closing (the alert stays pending). */
  private startDelivery(alert: StoredAlert): boolean {
    if (this.closing) return false;
    this.delivering.set(alert.alert_id, alert);
    const delivery = this.deliver(alert.alert_id)
      .catch((err) => this.options.logger.error({ err, ...logFields(alert) }, "alert delivery crashed"))
      .finally(() => {
        this.delivering.delete(alert.alert_id);
        this.inFlight.delete(delivery);
      });
    this.inFlight.add(delivery);
    return true;
  }

  private async deliver(alertId: string): Promise<void> {
    const url = this.config.webhookUrl as string;
    const fetchFn = this.options.fetch ?? fetch;
    const first = this.delivering.get(alertId) as StoredAlert;
    // delivery_attempts counts across restarts; the budget of maxAttempts is per round.
    for (let attempt = 1; !this.closing; attempt++) {
      const outcome = await postAlertText(fetchFn, url, first.text, this.config.requestTimeoutMs);
      const now = this.options.clock.now();
      const attempts = first.delivery_attempts + attempt;
      if (outcome.delivered) {
        const delivered = await this.update(alertId, {
          delivery_status: "delivered",
          delivery_attempts: attempts,
          delivered_at: now,
          last_error: null,
        });
        this.options.logger.info({ ...logFields(delivered), attempts }, "alert_delivered");
        this.events.publish({ ...eventBase(delivered, now), type: "alert_delivered", attempts });
        return;
      }
      const giveUp = !outcome.retryable || attempt >= this.config.maxAttempts;
      const status = giveUp ? "failed" : "pending";
      const updated = await this.update(alertId, {
        delivery_status: status,
        delivery_attempts: attempts,
        last_error: outcome.error,
      });
      if (giveUp) {
        this.options.logger.error(
          { ...logFields(updated), attempts, error: outcome.error },
          "alert_delivery_failed",
        );
        this.events.publish({
          ...eventBase(updated, now),
          type: "alert_delivery_failed",
          attempts,
          error: outcome.error,
        });
        return;
      }
      const delayMs = retryDelayMs(attempt, outcome, this.config);
      this.options.logger.warn(
        { ...logFields(updated), attempts, error: outcome.error, retry_in_ms: delayMs },
        "alert delivery attempt failed",
      );
      await Promise.race([(this.options.sleep ?? sleepMs)(delayMs), this.closed]);
    }
  }

  /**
   * Commits one attempt's result onto the latest version of the alert. A failed commit is
   * logged and delivery goes on: the webhook's answer does not change because the store is down.
   */
  private async update(alertId: string, patch: Partial<StoredAlert>): Promise<StoredAlert> {
    return this.mutex.runExclusive(async () => {
      const updated = { ...(this.delivering.get(alertId) as StoredAlert), ...patch };
      try {
        await this.options.store.saveAlert(updated);
        this.delivering.set(alertId, updated);
      } catch (err) {
        this.options.logger.error({ err, ...logFields(updated) }, "alert delivery state not saved");
      }
      return updated;
    });
  }

  private async save(alert: StoredAlert): Promise<void> {
    await this.withStore(() => this.options.store.saveAlert(alert), alert.dedupe_key);
  }

  private async withStore<T>(work: () => Promise<T>, dedupeKey: string | null): Promise<T> {
    try {
      return await work();
    } catch (err) {
      this.options.logger.error({ err, dedupe_key: dedupeKey }, "alert store failed");
      throw new StoreUnavailableError(err);
    }
  }
}

function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}

function logFields(a: StoredAlert) {
  return { alert_id: a.alert_id, kernel_id: a.kernel_id, kind: a.kind, severity: a.severity };
}

function eventBase(a: StoredAlert, at: number): AlertEventBase {
  return { at, alert_id: a.alert_id, kernel_id: a.kernel_id, kind: a.kind, severity: a.severity };
}
